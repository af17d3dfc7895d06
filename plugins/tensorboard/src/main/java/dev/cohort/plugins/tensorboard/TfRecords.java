package dev.cohort.plugins.tensorboard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard's event files: each record is its length (u64,
 * little-endian), the masked CRC-32C of those 8 bytes (u32 LE), the data, and the masked CRC-32C
 * of the data (u32 LE). The mask rotates the CRC right by 15 bits and adds 0xa282ead8, so that a
 * CRC of data that holds CRCs is not itself trivially a CRC.
 */
public final class TfRecords {

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {
    }

    /** The masked CRC-32C (Castagnoli) of {@code len} bytes of {@code b} from {@code off}. */
    public static int maskedCrc(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** One framed record of {@code data}. */
    public static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc(data, 0, data.length));
        return b.array();
    }

    /**
     * The records of a file's bytes, each checked: a length or data CRC that does not match, or a
     * record cut short, is reported with its offset (a file being written may end in a partial
     * record: {@code allowPartialTail} stops there instead).
     */
    public static List<byte[]> read(byte[] file, boolean allowPartialTail) throws IOException {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() > 0) {
            int at = b.position();
            if (b.remaining() < 12) {
                return partial(out, allowPartialTail, at, "a record header");
            }
            long length = b.getLong();
            int lengthCrc = b.getInt();
            if (lengthCrc != maskedCrc(file, at, 8)) {
                throw new IOException("record at byte " + at + ": the CRC of its length does not match");
            }
            if (length < 0 || length > b.remaining() - 4) {
                return partial(out, allowPartialTail, at, length + " bytes of data and their CRC");
            }
            byte[] data = new byte[(int) length];
            b.get(data);
            if (b.getInt() != maskedCrc(data, 0, data.length)) {
                throw new IOException("record at byte " + at + ": the CRC of its " + length + " bytes does not match");
            }
            out.add(data);
        }
        return out;
    }

    private static List<byte[]> partial(List<byte[]> out, boolean allowed, int at, String missing)
            throws IOException {
        if (allowed) {
            return out;
        }
        throw new IOException("record at byte " + at + ": the file ends before " + missing);
    }

    /** Frames several records, as they would follow one another in a file. */
    static byte[] frameAll(List<byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        records.forEach(r -> out.writeBytes(frame(r)));
        return out.toByteArray();
    }
}
