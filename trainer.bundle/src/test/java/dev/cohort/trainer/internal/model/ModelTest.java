package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import dev.cohort.trainer.internal.checkpoint.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTest {

    static final ModelConfig SMALL = ModelConfig.gpt2(2, 2, 16, 32, 23, 1e-5f, 22);

    @TempDir
    Path dir;

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    static PolicyModel model(JavaBackend be, ModelConfig cfg, long seed) {
        PolicyModel m = new PolicyModel(be, cfg);
        ModelInit.initialize(m, seed);
        return m;
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }

    private float[] logits(PolicyModel m, int[] tokens, int b, int t) {
        m.forward(tokens, b, t);
        float[] out = new float[b * t * m.config().vocabSize()];
        be.read(m.logits(), out);
        return out;
    }

    @Test
    void savedAndLoadedModelGivesBitIdenticalLogits() throws Exception {
        PolicyModel m = model(be, SMALL, 7);
        int[] tokens = randomTokens(3 * 10, SMALL.vocabSize(), 1);
        float[] before = logits(m, tokens, 3, 10);
        HfCheckpoint.save(m, dir.resolve("ckpt"), DType.F32);
        PolicyModel back = HfCheckpoint.load(dir.resolve("ckpt"), be);
        assertEquals(SMALL, back.config());
        assertArrayEquals(before, logits(back, tokens, 3, 10), 0f);
    }

    @Test
    void bf16RoundTripKeepsBf16ValuesExactly() throws Exception {
        PolicyModel m = model(be, SMALL, 7);
        HfCheckpoint.save(m, dir.resolve("bf16"), DType.BF16);
        PolicyModel once = HfCheckpoint.load(dir.resolve("bf16"), be);
        HfCheckpoint.save(once, dir.resolve("bf16-again"), DType.BF16);
        assertArrayEquals(Files.readAllBytes(dir.resolve("bf16/model.safetensors")),
                Files.readAllBytes(dir.resolve("bf16-again/model.safetensors")));
        float[] a = new float[(int) m.layout().total()];
        float[] b = new float[a.length];
        be.read(m.params().all(), a);
        be.read(once.params().all(), b);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], Math.abs(a[i]) * 0x1p-8f + 1e-30f);
        }
    }

    @Test
    void loadsHuggingFaceNamesWithPrefixAndBuffers() throws Exception {
        PolicyModel m = model(be, SMALL, 3);
        HfCheckpoint.save(m, dir.resolve("plain"), DType.F32);
        Map<String, TensorData> tensors = new SafeTensors().read(dir.resolve("plain/model.safetensors"));
        List<TensorData> renamed = new ArrayList<>();
        for (TensorData t : tensors.values()) {
            renamed.add(new TensorData("transformer." + t.name(), t.shape(), t.values()));
        }
        renamed.add(new TensorData("transformer.h.0.attn.bias", new int[] {1, 1, 4, 4}, new float[16]));
        renamed.add(new TensorData("lm_head.weight", tensors.get("wte.weight").shape(), tensors.get("wte.weight").values()));
        Path hf = Files.createDirectories(dir.resolve("hf"));
        ConfigJson.write(SMALL, hf.resolve("config.json"), "float32");
        new SafeTensors().write(hf.resolve("model.safetensors"), renamed, DType.F32, Map.of("format", "pt"));
        int[] tokens = randomTokens(8, SMALL.vocabSize(), 2);
        assertArrayEquals(logits(m, tokens, 1, 8), logits(HfCheckpoint.load(hf, be), tokens, 1, 8), 0f);
    }

    @Test
    void checkpointErrorsNameTheTensorAndBothShapes() throws Exception {
        PolicyModel m = model(be, SMALL, 3);
        HfCheckpoint.save(m, dir.resolve("ok"), DType.F32);
        Map<String, TensorData> tensors = new SafeTensors().read(dir.resolve("ok/model.safetensors"));

        List<TensorData> wrongShape = new ArrayList<>(tensors.values());
        wrongShape.replaceAll(t -> t.name().equals("h.1.mlp.c_fc.weight")
                ? new TensorData(t.name(), new int[] {64, 16}, t.values()) : t);
        Path bad = Files.createDirectories(dir.resolve("shape"));
        ConfigJson.write(SMALL, bad.resolve("config.json"), "float32");
        new SafeTensors().write(bad.resolve("model.safetensors"), wrongShape, DType.F32, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(bad, be));
        assertEquals(bad.resolve("model.safetensors") + ": tensor 'h.1.mlp.c_fc.weight' has shape [64, 16]"
                + " but config.json implies [16, 64]", e.getMessage());

        List<TensorData> missing = new ArrayList<>(tensors.values());
        missing.removeIf(t -> t.name().equals("ln_f.bias"));
        Path miss = Files.createDirectories(dir.resolve("missing"));
        ConfigJson.write(SMALL, miss.resolve("config.json"), "float32");
        new SafeTensors().write(miss.resolve("model.safetensors"), missing, DType.F32, Map.of());
        e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(miss, be));
        assertEquals(miss.resolve("model.safetensors") + ": missing tensor [ln_f.bias]", e.getMessage());

        e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir.resolve("nowhere"), be));
        assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
    }

    @Test
    void greedyDecodingWithTheCacheEqualsFullRecomputation() {
        PolicyModel m = model(be, SMALL, 11);
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8}, new int[] {9});
        List<Completion> cached = new Sampler(m).generate(prompts, SamplingParams.greedy(12), SMALL.eosTokenId());
        for (int i = 0; i < prompts.size(); i++) {
            ModelChecks.Greedy expected = ModelChecks.greedyByRecomputation(be, m, prompts.get(i), 12,
                    tok -> tok == SMALL.eosTokenId());
            assertArrayEquals(expected.tokens(), cached.get(i).tokens(), "prompt " + i);
        }
    }

    @Test
    void seededSamplingIsReproducibleAndIndependentOfTheBatch() {
        PolicyModel m = model(be, SMALL, 5);
        SamplingParams p = new SamplingParams(10, 1.0f, 0, 0.95f, 0f, 42);
        List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3}, new int[] {4, 4, 4});
        List<Completion> a = new Sampler(m).generate(prompts, p, SMALL.eosTokenId());
        List<Completion> b = new Sampler(m).generate(prompts, p, SMALL.eosTokenId());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
            assertArrayEquals(a.get(i).logprobs(), b.get(i).logprobs(), 0f);
            assertEquals(a.get(i).tokens().length, a.get(i).logprobs().length);
            assertTrue(a.get(i).finish() == Completion.Finish.EOS || a.get(i).tokens().length == 10);
        }
        List<Completion> c = new Sampler(m).generate(prompts, new SamplingParams(10, 1.0f, 0, 0.95f, 0f, 43),
                SMALL.eosTokenId());
        boolean differs = false;
        for (int i = 0; i < 3; i++) {
            differs |= !java.util.Arrays.equals(a.get(i).tokens(), c.get(i).tokens());
        }
        assertTrue(differs, "another seed gives other samples");
    }

    @Test
    void sampledLogprobsMatchTheModelsLogprobs() {
        PolicyModel m = model(be, SMALL, 9);
        SamplingParams p = new SamplingParams(6, 0.7f, 0, 1f, 0f, 1);
        int[] prompt = {3, 1, 4};
        Completion c = new Sampler(m).generate(List.of(prompt), p, SMALL.eosTokenId()).get(0);
        int t = prompt.length + c.tokens().length;
        int[] seq = new int[t];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        System.arraycopy(c.tokens(), 0, seq, prompt.length, c.tokens().length);
        int[] targets = new int[t];
        java.util.Arrays.fill(targets, -1);
        for (int i = prompt.length - 1; i < t - 1; i++) {
            targets[i] = seq[i + 1];
        }
        m.forward(seq, 1, t);
        float[] lp = new float[t];
        m.logprobs(targets, 0.7f, lp, null);
        for (int k = 0; k < c.tokens().length; k++) {
            assertEquals(lp[prompt.length - 1 + k], c.logprobs()[k], 1e-4f, "token " + k);
        }
    }
}
