package dev.cohort.trainer.internal.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face safetensors files: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to dtype, shape and [begin, end) byte offsets into the data that follows, then
 * the data. Reading validates the whole header before converting anything and returns all
 * tensors or throws: nothing is half-loaded.
 */
public final class SafeTensors {

    private static final long MAX_HEADER = 100L << 20;
    private final ObjectMapper json = new ObjectMapper();

    /** One entry of a header, validated. */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    /** The shape of every tensor of a file, by name, from its header alone (no data is read). */
    public Map<String, int[]> shapes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, int[]> out = new LinkedHashMap<>();
            for (Entry e : header(file, ch).entries()) {
                out.put(e.name, e.shape);
            }
            return out;
        }
    }

    /** Reads every tensor of a file as float32. */
    public Map<String, TensorData> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, ch);
            Map<String, TensorData> out = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                out.put(e.name, load(ch, h.dataStart(), e));
            }
            return out;
        }
    }

    /** A file's validated entries and where its data starts. */
    private record Header(List<Entry> entries, long dataStart) {
    }

    private Header header(Path file, FileChannel ch) throws IOException {
        {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file + ": " + size + " bytes is too short for a safetensors file");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > MAX_HEADER) {
                throw new CheckpointException(file + ": header length " + headerLen
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            return new Header(parseHeader(file, new String(headerBuf.array(), StandardCharsets.UTF_8),
                    size - 8 - headerLen), 8 + headerLen);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position());
            if (n < 0) {
                throw new CheckpointException("unexpected end of file at byte " + (position + b.position()));
            }
        }
    }

    private List<Entry> parseHeader(Path file, String text, long dataLen) throws CheckpointException {
        JsonNode root;
        try {
            root = json.readTree(text.trim());
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": the header is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": the header is not a JSON object of tensors");
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().equals("__metadata__")) {
                entries.add(entry(file, f.getKey(), f.getValue(), dataLen));
            }
        }
        checkNoOverlap(file, entries);
        return entries;
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataLen) throws CheckpointException {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.get("data_offsets").size() != 2) {
            throw new CheckpointException(where + " needs dtype, shape and two data_offsets");
        }
        DType dtype = DType.parse(node.get("dtype").asText(), name);
        int[] shape = new int[node.get("shape").size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get("shape").get(i);
            if (!d.canConvertToInt() || d.asInt() < 0) {
                throw new CheckpointException(where + " has an invalid shape " + node.get("shape"));
            }
            shape[i] = d.asInt();
            elements *= shape[i];
        }
        long begin = node.get("data_offsets").get(0).asLong(-1);
        long end = node.get("data_offsets").get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw new CheckpointException(where + " has data_offsets [" + begin + ", " + end
                    + ") outside the " + dataLen + " data bytes");
        }
        if (elements > Integer.MAX_VALUE || end - begin != elements * dtype.bytes) {
            throw new CheckpointException(where + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + elements * dtype.bytes + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path file, List<Entry> entries) throws CheckpointException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.begin < a.end) {
                throw new CheckpointException(file + ": tensors '" + a.name + "' [" + a.begin + ", " + a.end
                        + ") and '" + b.name + "' [" + b.begin + ", " + b.end + ") overlap");
            }
        }
    }

    private static TensorData load(FileChannel ch, long dataStart, Entry e) throws IOException {
        int n = (int) ((e.end - e.begin) / e.dtype.bytes);
        float[] values = new float[n];
        int chunkElems = Math.max(1, (16 << 20) / e.dtype.bytes);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(e.end - e.begin, (long) chunkElems * e.dtype.bytes))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < n; from += chunkElems) {
            int count = Math.min(chunkElems, n - from);
            buf.clear().limit(count * e.dtype.bytes);
            readFully(ch, buf, dataStart + e.begin + (long) from * e.dtype.bytes);
            for (int i = 0; i < count; i++) {
                values[from + i] = e.dtype.read(buf, 0, i);
            }
        }
        return new TensorData(e.name, e.shape, values);
    }

    /**
     * Writes tensors in the given order as F32, BF16 or F16, with optional string metadata. The
     * header is padded with spaces to a multiple of 8 bytes, as the reference implementation does.
     */
    public void write(Path file, List<TensorData> tensors, DType dtype, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorData t : tensors) {
            long bytes = t.elements() * dtype.bytes;
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", dtype.name());
            Arrays.stream(t.shape()).forEach(e.putArray("shape")::add);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (TensorData t : tensors) {
                writeTensor(ch, t, dtype);
            }
        }
    }

    private static void writeTensor(FileChannel ch, TensorData t, DType dtype) throws IOException {
        float[] v = t.values();
        int chunk = 1 << 20;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(v.length, chunk) * dtype.bytes + 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < v.length; from += chunk) {
            buf.clear();
            int to = Math.min(v.length, from + chunk);
            for (int i = from; i < to; i++) {
                if (dtype == DType.F32) {
                    buf.putFloat(v[i]);
                } else if (dtype == DType.BF16) {
                    buf.putShort(DType.toBf16(v[i]));
                } else {
                    buf.putShort(DType.toHalf(v[i]));
                }
            }
            buf.flip();
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
