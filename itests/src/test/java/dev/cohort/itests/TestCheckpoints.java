package dev.cohort.itests;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a small GPT-2 checkpoint directory in Hugging Face's format (config.json and
 * model.safetensors with the hub's tensor names and Conv1D layouts, "transformer." prefix, as
 * transformers saves a GPT2LMHeadModel) with random weights, without using Cohort's own writer.
 */
final class TestCheckpoints {

    private TestCheckpoints() {
    }

    static Path gpt2(Path dir, int layers, int width, int heads, int positions, long seed) throws IOException {
        int v = 50257;
        int c = width;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new int[] {v, c});
        shapes.put("transformer.wpe.weight", new int[] {positions, c});
        for (int l = 0; l < layers; l++) {
            String h = "transformer.h." + l + ".";
            shapes.put(h + "ln_1.weight", new int[] {c});
            shapes.put(h + "ln_1.bias", new int[] {c});
            shapes.put(h + "attn.c_attn.weight", new int[] {c, 3 * c});
            shapes.put(h + "attn.c_attn.bias", new int[] {3 * c});
            shapes.put(h + "attn.c_proj.weight", new int[] {c, c});
            shapes.put(h + "attn.c_proj.bias", new int[] {c});
            shapes.put(h + "ln_2.weight", new int[] {c});
            shapes.put(h + "ln_2.bias", new int[] {c});
            shapes.put(h + "mlp.c_fc.weight", new int[] {c, 4 * c});
            shapes.put(h + "mlp.c_fc.bias", new int[] {4 * c});
            shapes.put(h + "mlp.c_proj.weight", new int[] {4 * c, c});
            shapes.put(h + "mlp.c_proj.bias", new int[] {c});
        }
        shapes.put("transformer.ln_f.weight", new int[] {c});
        shapes.put("transformer.ln_f.bias", new int[] {c});
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        List<float[]> data = new ArrayList<>();
        Random r = new Random(seed);
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            int n = 1;
            StringBuilder dims = new StringBuilder();
            for (int d : e.getValue()) {
                n *= d;
                dims.append(dims.length() == 0 ? "" : ",").append(d);
            }
            float[] values = new float[n];
            boolean norm = e.getKey().contains(".ln_");
            for (int i = 0; i < n; i++) {
                values[i] = norm ? (e.getKey().endsWith("weight") ? 1f : 0f) : (float) (r.nextGaussian() * 0.02);
            }
            data.add(values);
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(dims)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + 4L * n).append("]}");
            offset += 4L * n;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        data.forEach(values -> {
            for (float f : values) {
                out.putFloat(f);
            }
        });
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.safetensors"), out.array());
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"gpt2\",\"architectures\":[\"GPT2LMHeadModel\"],"
                + "\"n_layer\":" + layers + ",\"n_head\":" + heads + ",\"n_embd\":" + c + ",\"n_positions\":" + positions
                + ",\"n_ctx\":" + positions + ",\"vocab_size\":" + v + ",\"layer_norm_epsilon\":1e-05,"
                + "\"activation_function\":\"gelu_new\",\"bos_token_id\":50256,\"eos_token_id\":50256}");
        return dir;
    }
}
