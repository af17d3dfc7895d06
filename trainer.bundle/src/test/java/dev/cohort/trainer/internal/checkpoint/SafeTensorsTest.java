package dev.cohort.trainer.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private final SafeTensors st = new SafeTensors();

    static TensorData random(String name, int seed, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new TensorData(name, shape, v);
    }

    @Test
    void f32RoundTripIsBitIdentical() throws IOException {
        List<TensorData> ts = List.of(random("wte.weight", 1, 7, 4), random("h.0.ln_1.bias", 2, 4),
                new TensorData("scalar", new int[0], new float[] {Float.MIN_VALUE}));
        Path f = dir.resolve("m.safetensors");
        st.write(f, ts, DType.F32, Map.of("format", "pt"));
        assertEquals(0, (Files.size(f) - 8 - ByteBuffer.wrap(Files.readAllBytes(f), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN).getLong()) % 4, "data follows an 8-byte aligned header");
        Map<String, TensorData> back = st.read(f);
        assertEquals(List.of("wte.weight", "h.0.ln_1.bias", "scalar"), List.copyOf(back.keySet()));
        for (TensorData t : ts) {
            assertArrayEquals(t.shape(), back.get(t.name()).shape());
            assertArrayEquals(t.values(), back.get(t.name()).values(), 0f);
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndRoundTrips() throws IOException {
        assertEquals((short) 0x3f80, DType.toBf16(1.0f));
        assertEquals((short) 0x3f80, DType.toBf16(Float.intBitsToFloat(0x3f808000)), "tie goes to even");
        assertEquals((short) 0x3f82, DType.toBf16(Float.intBitsToFloat(0x3f818000)), "tie goes to even");
        assertEquals((short) 0x3f81, DType.toBf16(Float.intBitsToFloat(0x3f808001)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(DType.toBf16(Float.NaN) << 16)));
        TensorData t = random("x", 3, 64);
        Path f = dir.resolve("b.safetensors");
        st.write(f, List.of(t), DType.BF16, Map.of());
        float[] back = st.read(f).get("x").values();
        for (int i = 0; i < back.length; i++) {
            float expected = Float.intBitsToFloat(DType.toBf16(t.values()[i]) << 16);
            assertEquals(expected, back[i], 0f);
            assertEquals(t.values()[i], back[i], Math.abs(t.values()[i]) * 0x1p-8f, "bf16 keeps 8 significant bits");
        }
        // reading bf16 and writing it again is lossless
        Path g = dir.resolve("c.safetensors");
        st.write(g, List.of(st.read(f).get("x")), DType.BF16, Map.of());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(g));
    }

    @Test
    void readsF16() throws IOException {
        // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf
        short[] half = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00};
        Path f = raw("{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]}}", half.length * 2, b -> {
            for (short s : half) {
                b.putShort(s);
            }
        });
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY}, st.read(f).get("h").values(), 0f);
    }

    interface Fill {
        void fill(ByteBuffer b);
    }

    private Path raw(String header, int dataBytes, Fill fill) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        fill.fill(b);
        Path f = Files.createTempFile(dir, "raw", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private String error(String header, int dataBytes) throws IOException {
        Path f = raw(header, dataBytes, b -> { });
        return assertThrows(CheckpointException.class, () -> st.read(f)).getMessage().replace(f + ": ", "");
    }

    @Test
    void malformedFilesAreRejectedWithAClearMessage() throws IOException {
        Path tiny = Files.write(dir.resolve("tiny"), new byte[3]);
        assertEquals(tiny + ": 3 bytes is too short for a safetensors file",
                assertThrows(CheckpointException.class, () -> st.read(tiny)).getMessage());

        Path badLen = dir.resolve("len");
        Files.write(badLen, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertEquals(badLen + ": header length 1000 does not fit a file of 16 bytes",
                assertThrows(CheckpointException.class, () -> st.read(badLen)).getMessage());

        assertTrue(error("{not json", 0).startsWith("the header is not JSON"));
        assertEquals("the header is not a JSON object of tensors", error("[1, 2]", 0));
        assertEquals("tensor 'x' has dtype I64, which Cohort does not read (F32, BF16, F16)",
                error("{\"x\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        assertEquals("tensor 'x' has data_offsets [0, 16) outside the 8 data bytes",
                error("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertEquals("tensor 'x': shape [3] of F32 needs 12 bytes but data_offsets span 8",
                error("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertEquals("tensors 'a' [0, 8) and 'b' [4, 12) overlap",
                error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertEquals("tensor 'x' needs dtype, shape and two data_offsets",
                error("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8));
    }
}
