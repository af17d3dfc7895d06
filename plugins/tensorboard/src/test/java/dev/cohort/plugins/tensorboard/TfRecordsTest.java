package dev.cohort.plugins.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfRecordsTest {

    @Test
    void theMaskedCrcOfTheCheckStringIsTheMaskOfCrc32csCheckValue() {
        // CRC-32C("123456789") = 0xE3069283 (RFC 3720's check value); masked: rotate right 15, add 0xa282ead8
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xc78ab0e5, TfRecords.maskedCrc(check, 0, check.length));
    }

    @Test
    void aRecordIsLengthCrcDataCrcLittleEndian() {
        byte[] data = {1, 2, 3};
        byte[] r = TfRecords.frame(data);
        assertEquals(8 + 4 + 3 + 4, r.length);
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOf(r, 8));
        assertArrayEquals(data, Arrays.copyOfRange(r, 12, 15));
    }

    @Test
    void recordsReadBackAndAChangedByteIsFoundWithItsOffset() throws IOException {
        byte[] file = TfRecords.frameAll(List.of(new byte[] {9}, "hello".getBytes(StandardCharsets.UTF_8)));
        List<byte[]> back = TfRecords.read(file, false);
        assertEquals(2, back.size());
        assertEquals("hello", new String(back.get(1), StandardCharsets.UTF_8));
        file[17 + 12] ^= 1; // the second record's first data byte
        IOException e = assertThrows(IOException.class, () -> TfRecords.read(file, false));
        assertTrue(e.getMessage().startsWith("record at byte 17: the CRC of its 5 bytes"), e.getMessage());
    }

    @Test
    void aFileCutInARecordIsAnErrorUnlessAPartialTailIsAllowed() throws IOException {
        byte[] file = TfRecords.frameAll(List.of(new byte[] {9}, new byte[] {1, 2}));
        byte[] cut = Arrays.copyOf(file, file.length - 3);
        assertThrows(IOException.class, () -> TfRecords.read(cut, false));
        assertEquals(1, TfRecords.read(cut, true).size());
    }
}
