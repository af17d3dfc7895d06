package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA on the policy: the adapted forward against a model whose weights are W + scaling * B A
 * (the merge, computed here in double from the definitions, with GPT-2's Conv1D (in, out)
 * transposed), per-module action on the fused q/k/v product, the adapters' backward against
 * finite differences, the reference (adapters off) against the base model, and sampling with
 * adapters against recomputation.
 */
class LoraModelTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    static PolicyModel model(JavaBackend be, String family, long seed) {
        return family.equals("gpt2") ? LlamaFamilyTest.model(be, ModelConfig.gpt2(2, 2, 8, 32, 23, 1e-5f, 22), seed)
                : LlamaFamilyTest.model(be, LlamaFamilyTest.variant(family), seed);
    }

    /** Adapters with B random too (a new adapter's B is zero), so that every path carries signal. */
    static LoraAdapter adapter(JavaBackend be, PolicyModel m, LoraConfig c, long seed) {
        LoraAdapter a = new LoraAdapter(be, m.config(), c, seed);
        float[] v = new float[(int) a.params().size()];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * 0.3f;
        }
        be.write(a.params(), v);
        m.attach(a);
        return a;
    }

    private static float[] read(JavaBackend be, Tensor t) {
        float[] v = new float[(int) t.size()];
        be.read(t, v);
        return v;
    }

    private float[] logprobs(PolicyModel m, int[] tokens, int[] targets) {
        m.forward(tokens, 2, tokens.length / 2);
        float[] lp = new float[tokens.length];
        m.logprobs(targets, 1f, lp, null);
        return lp;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "qwen3", "llama", "gpt2"})
    void theAdaptedForwardEqualsTheMergedWeights(String family) {
        PolicyModel m = model(be, family, 3);
        PolicyModel merged = model(be, family, 3);
        LoraConfig c = new LoraConfig(3, 5, 0.0, List.of("all-linear"), family.equals("qwen3"));
        LoraAdapter a = adapter(be, m, c, 7);
        float[] w = read(be, merged.params().all());
        boolean conv1d = family.equals("gpt2");
        for (int i = 0; i < a.modules().size(); i++) {
            LoraModules.Module mod = a.modules().get(i);
            float[] am = read(be, a.weight(i, true));
            float[] bm = read(be, a.weight(i, false));
            ParamLayout.Entry e = merged.layout().get(weightName(mod, conv1d));
            for (int o = 0; o < mod.out(); o++) {
                for (int in = 0; in < mod.in(); in++) {
                    double d = 0;
                    for (int k = 0; k < c.r(); k++) {
                        d += (double) bm[o * c.r() + k] * am[k * mod.in() + in];
                    }
                    // the fused product's rows (nn.Linear, out-major) or columns (Conv1D) from mod.col()
                    long at = conv1d ? e.offset() + (long) in * mod.width() + mod.col() + o
                            : e.offset() + (long) o * mod.in() + in;
                    w[(int) at] += (float) (d * c.scaling());
                }
            }
        }
        be.write(merged.params().all(), w);
        int[] tokens = ModelTest.randomTokens(16, m.config().vocabSize(), 4);
        int[] targets = ModelTest.randomTokens(16, m.config().vocabSize(), 5);
        assertArrayEquals(logprobs(merged, tokens, targets), logprobs(m, tokens, targets), 2e-4f);
    }

    /** The first weight of the module's (possibly fused) product: q_proj's for k_proj, c_attn's for GPT-2. */
    private static String weightName(LoraModules.Module mod, boolean conv1d) {
        if (conv1d) {
            return mod.name().substring("transformer.".length()) + ".weight";
        }
        return mod.name() + ".weight";
    }

    @Test
    void anAdapterOnQProjChangesQOnlyAndOnVProjVOnly() {
        for (String target : List.of("q_proj", "k_proj", "v_proj")) {
            PolicyModel m = model(be, "qwen2", 3);
            adapter(be, m, new LoraConfig(2, 4, 0.0, List.of(target), false), 9);
            ModelConfig cfg = m.config();
            int[] tokens = ModelTest.randomTokens(12, cfg.vocabSize(), 4);
            m.forward(tokens, 2, 6);
            float[] on = read(be, m.qkvActivation(0));
            m.adapterEnabled(false);
            m.forward(tokens, 2, 6);
            float[] off = read(be, m.qkvActivation(0));
            int q = cfg.nHead() * cfg.headDim();
            int kv = cfg.nKvHead() * cfg.headDim();
            int width = q + 2 * kv;
            int from = target.equals("q_proj") ? 0 : target.equals("k_proj") ? q : q + kv;
            int to = from + (target.equals("q_proj") ? q : kv);
            for (int row = 0; row < 12; row++) {
                boolean changed = false;
                for (int col = 0; col < width; col++) {
                    int i = row * width + col;
                    if (col < from || col >= to) {
                        assertEquals(off[i], on[i], 0f, target + " changed column " + col + " of row " + row);
                    } else {
                        changed |= off[i] != on[i];
                    }
                }
                assertTrue(changed, target + " left its own columns of row " + row + " unchanged");
            }
            m.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "gpt2"})
    void adapterGradientsMatchFiniteDifferences(String family) {
        // h = 1e-2 on adapter entries of size ~0.3: each adapter enters the logits linearly per
        // entry (B A x), so truncation comes from the layers after it (norms, softmax, attention):
        // the same 2e-3 + 3 % bound as ModelGradientTest's, and a wiring error (a wrong column
        // range, a missing scaling, dropout masks that differ between forward and backward) is off by O(1)
        PolicyModel m = model(be, family, 3);
        LoraAdapter a = adapter(be, m, new LoraConfig(2, 3, 0.25, List.of("all-linear"), false), 11);
        m.training(true);
        int[] tokens = ModelTest.randomTokens(12, m.config().vocabSize(), 4);
        int[] targets = ModelTest.randomTokens(12, m.config().vocabSize(), 5);
        targets[2] = -1;
        float[] g = new float[12];
        Random r = new Random(6);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[] p = read(be, a.params());
        float[] analytic = gradient(m, a, tokens, targets, g);
        List<String> failures = new ArrayList<>();
        for (int idx = 0; idx < p.length; idx += family.equals("gpt2") ? 3 : 2) {
            double numeric = (loss(m, a, p, idx, 1e-2f, tokens, targets, g) - loss(m, a, p, idx, -1e-2f, tokens,
                    targets, g)) / 2e-2;
            if (!(Math.abs(analytic[idx] - numeric) <= 2e-3 + 0.03 * Math.max(Math.abs(analytic[idx]),
                    Math.abs(numeric)))) {
                failures.add("lora[" + idx + "]: analytic " + analytic[idx] + " numeric " + numeric);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertThrows(IllegalStateException.class, m::grads, "the base weights have no gradients");
        // gradient checkpointing recomputes each block with the same dropout masks: the same gradients
        m.gradientCheckpointing(true);
        assertArrayEquals(analytic, gradient(m, a, tokens, targets, g), 0f);
    }

    private static float[] gradient(PolicyModel m, LoraAdapter a, int[] tokens, int[] targets, float[] g) {
        m.zeroGrads();
        a.trainingForwards(0);
        m.forward(tokens, 2, 6);
        m.backward(targets, g, 1f);
        float[] out = new float[(int) a.grads().size()];
        m.backend().read(a.grads(), out);
        return out;
    }

    private static double loss(PolicyModel m, LoraAdapter a, float[] p, int idx, float h, int[] tokens, int[] targets,
            float[] g) {
        float saved = p[idx];
        p[idx] = saved + h;
        m.backend().write(a.params(), p);
        a.trainingForwards(0);
        m.forward(tokens, 2, 6);
        float[] lp = new float[12];
        m.logprobs(targets, 1f, lp, null);
        p[idx] = saved;
        m.backend().write(a.params(), p);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += (double) g[i] * lp[i];
        }
        return sum;
    }

    @Test
    void theAdaptersSwitchedOffGiveTheBaseModelExactly() {
        PolicyModel m = model(be, "qwen3", 3);
        PolicyModel base = model(be, "qwen3", 3);
        adapter(be, m, new LoraConfig(4, 8, 0.1, List.of("all-linear"), false), 2);
        int[] tokens = ModelTest.randomTokens(16, m.config().vocabSize(), 4);
        int[] targets = ModelTest.randomTokens(16, m.config().vocabSize(), 5);
        m.training(true);
        float[] adapted = logprobs(m, tokens, targets);
        m.adapterEnabled(false);
        float[] reference = logprobs(m, tokens, targets);
        assertArrayEquals(logprobs(base, tokens, targets), reference, 0f);
        assertFalse(java.util.Arrays.equals(adapted, reference));
    }

    @Test
    void aNewAdapterIsKaimingUniformAAndZeroBAndChangesNothing() {
        PolicyModel m = model(be, "llama", 3);
        int[] tokens = ModelTest.randomTokens(16, m.config().vocabSize(), 4);
        int[] targets = ModelTest.randomTokens(16, m.config().vocabSize(), 5);
        float[] before = logprobs(m, tokens, targets);
        LoraAdapter a = new LoraAdapter(be, m.config(), new LoraConfig(8, 16, 0.0, List.of(), false), 1);
        m.attach(a);
        assertEquals(List.of("q_proj", "v_proj"), a.targets()); // PEFT's default for the Llama family
        assertArrayEquals(before, logprobs(m, tokens, targets), 0f);
        for (int i = 0; i < a.modules().size(); i++) {
            double bound = 1 / Math.sqrt(a.modules().get(i).in());
            float[] av = read(be, a.weight(i, true));
            double max = 0;
            for (float v : av) {
                assertTrue(Math.abs(v) <= bound, v + " outside +-" + bound);
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > 0.8 * bound, "A fills its range: " + max + " of " + bound);
            for (float v : read(be, a.weight(i, false))) {
                assertEquals(0f, v);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "gpt2"})
    void samplingWithAdaptersEqualsRecomputation(String family) {
        PolicyModel m = model(be, family, 3);
        adapter(be, m, new LoraConfig(2, 4, 0.5, List.of("all-linear"), false), 5);
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8});
        int eos = m.config().eosTokenIds()[0];
        List<Completion> cached = new Sampler(m).generate(prompts, SamplingParams.greedy(8), m.config().eosTokenIds());
        for (int i = 0; i < prompts.size(); i++) {
            ModelChecks.Greedy expected = ModelChecks.greedyByRecomputation(be, m, prompts.get(i), 8, t -> t == eos);
            assertArrayEquals(expected.tokens(), cached.get(i).tokens(), family + " prompt " + i);
            assertArrayEquals(expected.logprobs(), cached.get(i).logprobsT1(), 1e-4f, family + " prompt " + i);
        }
    }

    @Test
    void aTargetTheFamilyHasNotIsRefused() {
        String m = assertThrows(IllegalArgumentException.class, () -> new LoraAdapter(be,
                LlamaFamilyTest.variant("qwen2"), new LoraConfig(2, 4, 0, List.of("c_attn"), false), 1)).getMessage();
        assertEquals("lora_target_modules: 'c_attn' is not a linear layer of a qwen2 model (its modules: q_proj,"
                + " k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)", m);
    }
}
