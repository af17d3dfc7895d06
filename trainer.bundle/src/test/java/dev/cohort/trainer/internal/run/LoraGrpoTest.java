package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.backend.Tensor;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with LoRA adapters on a one-layer qwen2 model: the adapters train, the frozen weights stay
 * bit for bit what they were, the KL penalty compares against the adapters-off model, checkpoints
 * are PEFT adapter directories, and a run resumed from one equals an uninterrupted run.
 */
class LoraGrpoTest {

    @TempDir
    Path dir;

    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, List.of("all-linear"), false);

    private static PolicyModel base(JavaBackend be) {
        int[] eos = {GrpoTrainerTest.TOK.eos()};
        ModelConfig cfg = new ModelConfig(ModelType.QWEN2, 1, 2, 2, 8, 16, 24, 32, GrpoTrainerTest.TOK.vocabSize(),
                1e-6f, 1e4, null, true, false, false, false, true, 0, eos, -1, "float32", null);
        PolicyModel m = new PolicyModel(be, cfg);
        ModelInit.initialize(m, 3);
        return m;
    }

    private static float[] read(JavaBackend be, Tensor t) {
        float[] v = new float[(int) t.size()];
        be.read(t, v);
        return v;
    }

    private record Run(List<TrainingMetrics> metrics, Path checkpoint) {
    }

    private Run run(PolicyModel model, TrainerSettings s, Path resumeFrom, boolean stopHalfway) throws Exception {
        List<TrainingMetrics> metrics = new ArrayList<>();
        try (EmbeddedEngine engine = new EmbeddedEngine(model)) {
            PolicyModel reference = s.objective().beta() > 0 ? model : null;
            GrpoTrainer t = new GrpoTrainer(s, model, reference, GrpoTrainerTest.TOK,
                    new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), engine,
                    new GrpoTrainerTest.DirectScoring(), b -> 1, m -> 1,
                    java.util.Map.of("model", "base-model-dir"), metrics::add);
            if (resumeFrom != null) {
                t.resume(resumeFrom, TrainerState.read(resumeFrom));
            }
            t.run(() -> stopHalfway && t.step() >= s.maxSteps() / 2);
            return new Run(metrics, t.lastCheckpoint());
        }
    }

    @Test
    void onlyTheAdaptersTrainAndTheKlIsAgainstTheBaseWeights() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel m = base(be);
            float[] weights = read(be, m.params().all());
            LoraAdapter a = new LoraAdapter(be, m.config(), LORA, 7);
            m.attach(a);
            float[] adapters = read(be, a.params());
            Run r = run(m, GrpoTrainerTest.settings(dir.resolve("run"), 6, 1, 0.04), null, false);
            assertArrayEquals(weights, read(be, m.params().all()), 0f, "the frozen weights, bit for bit");
            float[] trained = read(be, a.params());
            assertFalse(java.util.Arrays.equals(adapters, trained), "the adapters trained");
            List<Double> losses = new ArrayList<>();
            r.metrics().forEach(x -> losses.add(x.get("loss")));
            assertTrue(losses.stream().distinct().count() > 1, "the loss moves: " + losses);
            assertEquals(0.0, r.metrics().get(0).get("kl"), 1e-12, "step 1: B = 0, the policy is the base model");
            assertTrue(r.metrics().get(5).get("kl") > 0, "later: the adapted policy departs from the base weights");
            assertTrue(Files.isRegularFile(r.checkpoint().resolve(PeftAdapter.CONFIG)));
            assertTrue(Files.isRegularFile(r.checkpoint().resolve(PeftAdapter.WEIGHTS)));
            assertFalse(Files.exists(r.checkpoint().resolve("model.safetensors")), "no copy of the frozen weights");
            m.close();
        }
    }

    @Test
    void aRunResumedFromAnAdapterCheckpointEqualsAnUninterruptedOne() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel whole = base(be);
            whole.attach(new LoraAdapter(be, whole.config(), LORA, 7));
            Run all = run(whole, GrpoTrainerTest.settings(dir.resolve("whole"), 6, 1, 0.04), null, false);
            PolicyModel first = base(be);
            first.attach(new LoraAdapter(be, first.config(), LORA, 7));
            Run half = run(first, GrpoTrainerTest.settings(dir.resolve("split"), 6, 1, 0.04), null, true);
            assertTrue(half.checkpoint().endsWith("checkpoint-3"));
            PolicyModel restored = base(be);
            PeftAdapter.load(half.checkpoint(), restored);
            Run rest = run(restored, GrpoTrainerTest.settings(dir.resolve("split"), 6, 1, 0.04), half.checkpoint(),
                    false);
            List<Double> a = new ArrayList<>();
            all.metrics().forEach(x -> a.add(x.get("loss")));
            List<Double> b = new ArrayList<>();
            half.metrics().forEach(x -> b.add(x.get("loss")));
            rest.metrics().forEach(x -> b.add(x.get("loss")));
            assertEquals(a, b, "same per-step losses, bit for bit");
            assertArrayEquals(read(be, whole.adapter().params()), read(be, restored.adapter().params()), 0f);
        }
    }
}
