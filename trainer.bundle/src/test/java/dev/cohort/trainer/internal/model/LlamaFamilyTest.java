package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Llama family's variants of the one model: whole-model gradients (the wiring of RMSNorm,
 * rotary, q/k norms, GQA, SwiGLU, biases and the LM head), the KV cache against full
 * recomputation, and checkpoints (single, sharded, BF16) that load back with the same logits.
 */
class LlamaFamilyTest {

    @TempDir
    Path dir;

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** Small variants: each exercises one set of options. */
    static ModelConfig variant(String name) {
        int[] eos = {40};
        switch (name) {
            case "qwen2": // q/k/v biases, tied head
                return new ModelConfig(ModelType.QWEN2, 2, 4, 2, 4, 12, 20, 64, 41, 1e-6f, 10000, null, true, false,
                        false, false, true, 0, eos, 1, "float32", null);
            case "qwen3": // head_dim != hidden / heads, q/k norms
                return new ModelConfig(ModelType.QWEN3, 2, 4, 2, 6, 12, 20, 64, 41, 1e-6f, 1e6, null, false, false,
                        false, true, true, 0, eos, 1, "float32", null);
            case "llama": // untied head, llama3 rope scaling, attention_bias and mlp_bias, MHA
                return new ModelConfig(ModelType.LLAMA, 2, 3, 3, 4, 12, 20, 64, 41, 1e-5f, 5e5,
                        new RopeScaling(8, 1, 4, 16), true, true, true, false, false, 0, new int[] {40, 39}, 1,
                        "float32", null);
            case "mistral": // 1 key/value head, sliding window
                return new ModelConfig(ModelType.MISTRAL, 2, 4, 1, 4, 12, 20, 64, 41, 1e-5f, 1e6, null, false, false,
                        false, false, false, 32, eos, 1, "float32", null);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** Weights larger than the init's 0.02 so that every path carries signal; norms near 1. */
    static PolicyModel model(JavaBackend be, ModelConfig cfg, long seed) {
        PolicyModel m = new PolicyModel(be, cfg);
        Random r = new Random(seed);
        for (ParamLayout.Entry e : m.layout().entries()) {
            float[] v = new float[(int) e.size()];
            boolean norm = e.name().endsWith("norm.weight") || e.name().endsWith("layernorm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? 1f + 0.2f * (float) r.nextGaussian()
                        : (float) r.nextGaussian() * (e.name().contains("embed") ? 1f : 0.3f);
            }
            be.write(m.params().view(e.name()), v);
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "qwen3", "llama", "mistral"})
    void backwardMatchesFiniteDifferencesForEveryParameterTensor(String name) {
        ModelConfig cfg = variant(name);
        PolicyModel m = model(be, cfg, 21);
        Random r = new Random(4);
        int b = 2;
        int t = 5;
        int[] tokens = ModelTest.randomTokens(b * t, cfg.vocabSize(), 5);
        int[] targets = ModelTest.randomTokens(b * t, cfg.vocabSize(), 6);
        targets[3] = -1;
        float[] g = new float[b * t];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        // tolerance as ModelGradientTest's: f32 rounding and h^2 truncation stay within 3 %
        List<String> failures = ModelChecks.gradientFailures(be, m,
                new ModelChecks.Problem(b, t, tokens, targets, g, 0.8f), 3, r);
        assertTrue(failures.isEmpty(), name + ":\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "qwen3", "llama", "mistral"})
    void greedyDecodingWithTheCacheEqualsFullRecomputation(String name) {
        ModelConfig cfg = variant(name);
        PolicyModel m = model(be, cfg, 11);
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8}, new int[] {9});
        List<Completion> cached = new Sampler(m).generate(prompts, SamplingParams.greedy(12), cfg.eosTokenIds());
        for (int i = 0; i < prompts.size(); i++) {
            ModelChecks.Greedy expected = ModelChecks.greedyByRecomputation(be, m, prompts.get(i), 12,
                    tok -> tok == 40 || (name.equals("llama") && tok == 39));
            assertArrayEquals(expected.tokens(), cached.get(i).tokens(), name + " prompt " + i);
            assertArrayEquals(expected.logprobs(), cached.get(i).logprobsT1(), 1e-4f, name + " prompt " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "qwen3", "llama", "mistral"})
    void savedCheckpointsLoadBackWithTheSameLogits(String name) throws Exception {
        ModelConfig cfg = variant(name);
        PolicyModel m = model(be, cfg, 3);
        int[] tokens = ModelTest.randomTokens(12, cfg.vocabSize(), 2);
        float[] expected = logits(m, tokens);
        HfCheckpoint.save(m, dir.resolve("single"), DType.F32);
        assertArrayEquals(expected, logits(HfCheckpoint.load(dir.resolve("single"), be), tokens), 0f);
        HfCheckpoint.save(m, dir.resolve("sharded"), DType.F32, 4000);
        assertTrue(Files.isRegularFile(dir.resolve("sharded/model.safetensors.index.json")));
        assertFalse(Files.exists(dir.resolve("sharded/model.safetensors")));
        assertTrue(Files.list(dir.resolve("sharded")).filter(p -> p.toString().endsWith("safetensors")).count() > 2);
        assertArrayEquals(expected, logits(HfCheckpoint.load(dir.resolve("sharded"), be), tokens), 0f);
        for (DType half : new DType[] {DType.BF16, DType.F16}) {
            HfCheckpoint.save(m, dir.resolve(half.name()), half);
            PolicyModel once = HfCheckpoint.load(dir.resolve(half.name()), be);
            assertEquals(half.torchName(), once.config().dtype());
            float[] rounded = logits(once, tokens);
            HfCheckpoint.save(once, dir.resolve(half.name() + "-again"));
            assertArrayEquals(rounded, logits(HfCheckpoint.load(dir.resolve(half.name() + "-again"), be), tokens), 0f,
                    "a " + half + " checkpoint saved again in its own dtype is unchanged");
        }
        assertEquals(cfg.withVocabulary(cfg.vocabSize(), cfg.eosTokenId()).type(),
                HfCheckpoint.config(dir.resolve("single")).type());
        assertArrayEquals(cfg.eosTokenIds(), HfCheckpoint.config(dir.resolve("single")).eosTokenIds());
    }

    private float[] logits(PolicyModel m, int[] tokens) {
        m.forward(tokens, 1, tokens.length);
        float[] out = new float[tokens.length * m.config().vocabSize()];
        be.read(m.logits(), out);
        return out;
    }

    @Test
    void logProbsAndGradientsOverChunksOfTheLmHeadEqualOneChunk() {
        ModelConfig cfg = variant("qwen2");
        PolicyModel whole = model(be, cfg, 8);
        PolicyModel chunked = new PolicyModel(be, cfg, 3L * cfg.vocabSize());
        float[] p = new float[(int) whole.layout().total()];
        be.read(whole.params().all(), p);
        be.write(chunked.params().all(), p);
        int n = 2 * 7;
        int[] tokens = ModelTest.randomTokens(n, cfg.vocabSize(), 1);
        int[] targets = ModelTest.randomTokens(n, cfg.vocabSize(), 2);
        targets[4] = -1;
        float[] g = new float[n];
        java.util.Arrays.fill(g, 0.3f);
        float[][] lp = new float[2][n];
        float[][] ent = new float[2][n];
        float[][] grads = new float[2][p.length];
        PolicyModel[] models = {whole, chunked};
        for (int i = 0; i < 2; i++) {
            models[i].zeroGrads();
            models[i].forward(tokens, 2, 7);
            models[i].logprobs(targets, 0.9f, lp[i], ent[i]);
            models[i].backward(targets, g, 0.9f);
            be.read(models[i].grads().all(), grads[i]);
        }
        assertArrayEquals(lp[0], lp[1], 0f);
        assertArrayEquals(ent[0], ent[1], 0f);
        assertArrayEquals(grads[0], grads[1], 1e-6f, "5 chunks of 3 positions: the head's weight gradient"
                + " is summed in another order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama"})
    void gradientCheckpointingGivesTheSameGradientsWithOneBlocksActivations(String name) {
        ModelConfig cfg = variant(name);
        PolicyModel plain = model(be, cfg, 8);
        PolicyModel ckpt = model(be, cfg, 8);
        ckpt.gradientCheckpointing(true);
        int[] tokens = ModelTest.randomTokens(12, cfg.vocabSize(), 1);
        int[] targets = ModelTest.randomTokens(12, cfg.vocabSize(), 2);
        float[] g = new float[12];
        java.util.Arrays.fill(g, -0.5f);
        float[][] grads = new float[2][(int) plain.layout().total()];
        PolicyModel[] models = {plain, ckpt};
        for (int i = 0; i < 2; i++) {
            models[i].zeroGrads();
            models[i].forward(tokens, 2, 6);
            models[i].logprobs(targets, 1f, new float[12], null);
            models[i].backward(targets, g, 1f);
            be.read(models[i].grads().all(), grads[i]);
        }
        assertArrayEquals(grads[0], grads[1], 0f, "recomputed blocks give the same numbers");
        ParamLayout layout = plain.layout();
        assertTrue(layout.total() > 0);
    }

    @Test
    void namedShapesHaveThePublishedParameterCounts() {
        // the counts transformers reports for these models' num_parameters()
        assertEquals(494_032_768L, new ParamLayout(ModelConfig.named("qwen2.5-0.5b")).total());
        assertEquals(1_543_714_304L, new ParamLayout(ModelConfig.named("qwen2.5-1.5b")).total());
        assertEquals(596_049_920L, new ParamLayout(ModelConfig.named("qwen3-0.6b")).total());
        assertEquals(1_235_814_400L, new ParamLayout(ModelConfig.named("llama-3.2-1b")).total());
    }
}
