package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static dev.cohort.trainer.internal.backend.CudaParity.assertClose;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.CudaParity;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole policy on the CUDA backend against the Java backend, for GPT-2 and the Llama family
 * (tiny-llama: grouped-query attention, rotary embeddings, RMSNorm, SwiGLU; tiny-qwen3: with the
 * q/k norms as well): same weights, same batch.
 * Logits and log-probs within 1e-4 absolute (fp32, cuBLAS or own kernels), every parameter
 * gradient within 1e-3 of its tensor's largest entry, and the same greedy continuation. Runs
 * where a CUDA device is present, else reported as skipped with the reason.
 */
class CudaModelParityTest {

    @BeforeEach
    void device() {
        CudaParity.assumeDevice();
    }

    static ModelConfig config(String shape) {
        return switch (shape) {
            case "gpt2" -> ModelConfig.gpt2();
            case "small" -> ModelConfig.gpt2(2, 4, 64, 128, 1000, 1e-5f, 999);
            default -> ModelConfig.named(shape);
        };
    }

    /** A CUDA copy of a Java model's weights. */
    static PolicyModel copy(PolicyModel src, Backend to) {
        PolicyModel m = new PolicyModel(to, src.config());
        float[] all = new float[(int) src.params().all().size()];
        src.backend().read(src.params().all(), all);
        to.write(m.params().all(), all);
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "gpt2", "tiny-llama", "tiny-qwen3"})
    void forwardLogprobsGradientsAndGreedyTokensMatch(String shape) {
        ModelConfig cfg = config(shape);
        int b = 2, t = 64;
        try (JavaBackend jb = new JavaBackend(Runtime.getRuntime().availableProcessors());
                CudaBackend cb = CudaBackend.open(CudaBackend.Options.defaults())) {
            System.out.println("[parity] model " + shape + " on " + cb.device() + ": " + cb.gemmInfo());
            PolicyModel jm = new PolicyModel(jb, cfg);
            ModelInit.initialize(jm, 42);
            PolicyModel cm = copy(jm, cb);
            SplittableRandom r = new SplittableRandom(9);
            int[] tokens = new int[b * t];
            int[] targets = new int[b * t];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = r.nextInt(cfg.vocabSize());
            }
            for (int i = 0; i < tokens.length; i++) {
                targets[i] = (i + 1) % t == 0 ? -1 : tokens[i + 1];
            }
            jm.forward(tokens, b, t);
            cm.forward(tokens, b, t);
            compare("logits " + shape, jb, jm.logits(), cb, cm.logits(), 1e-4, false);
            float[] lpj = new float[b * t];
            float[] lpc = new float[b * t];
            float[] enj = new float[b * t];
            float[] enc = new float[b * t];
            jm.logprobs(targets, 1f, lpj, enj);
            cm.logprobs(targets, 1f, lpc, enc);
            assertClose("logprobs " + shape, lpj, lpc, 1e-4, false);
            assertClose("entropy " + shape, enj, enc, 1e-4, false);
            float[] g = new float[b * t];
            for (int i = 0; i < g.length; i++) {
                g[i] = targets[i] < 0 ? 0 : (float) (r.nextDouble() - 0.5) / g.length;
            }
            jm.zeroGrads();
            cm.zeroGrads();
            jm.backward(targets, g, 1f);
            cm.backward(targets, g, 1f);
            for (ParamLayout.Entry e : jm.layout().entries()) {
                compare("grad " + shape + " " + e.name(), jb, jm.grads().view(e.name()), cb, cm.grads().view(e.name()),
                        1e-3, true);
            }
            List<int[]> prompts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                prompts.add(java.util.Arrays.copyOfRange(tokens, i * 5, i * 5 + 4 + i));
            }
            try (Sampler sj = new Sampler(jm); Sampler sc = new Sampler(cm)) {
                List<Completion> gj = sj.generate(prompts, SamplingParams.greedy(24), cfg.eosTokenId());
                List<Completion> gc = sc.generate(prompts, SamplingParams.greedy(24), cfg.eosTokenId());
                for (int i = 0; i < gj.size(); i++) {
                    assertArrayEquals(gj.get(i).tokens(), gc.get(i).tokens(), "greedy tokens of prompt " + i);
                    assertClose("greedy logprobs T=1 " + shape + " #" + i, gj.get(i).logprobsT1(),
                            gc.get(i).logprobsT1(), 1e-4, false);
                }
                SamplingParams sp = new SamplingParams(24, 0.9f, 50, 0.95f, 0f, 5);
                List<Completion> pj = sj.generate(prompts, sp, cfg.eosTokenId());
                List<Completion> pc = sc.generate(prompts, sp, cfg.eosTokenId());
                for (int i = 0; i < pj.size(); i++) {
                    assertArrayEquals(pj.get(i).tokens(), pc.get(i).tokens(), "sampled tokens of prompt " + i);
                }
                System.out.println("[parity] decoding steps replayed from a CUDA graph: " + sc.replayedSteps()
                        + (cb.lastRecordingError() == null ? "" : "; last recording error: " + cb.lastRecordingError()));
                if (CudaBackend.graphsEnabled()) {
                    org.junit.jupiter.api.Assertions.assertTrue(sc.replayedSteps() > 0,
                            "the CUDA sampler replays recorded steps: " + cb.lastRecordingError());
                }
            }
            jm.close();
            cm.close();
        }
    }

    static void compare(String what, Backend jb, Tensor jt, Backend cb, Tensor ct, double tol, boolean relative) {
        float[] a = new float[(int) jt.size()];
        float[] c = new float[(int) ct.size()];
        jb.read(jt, a);
        cb.read(ct, c);
        assertClose(what, a, c, tol, relative);
    }
}
