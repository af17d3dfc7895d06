package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.CudaParity;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short GRPO run (sampling, scoring, advantages, DAPO loss, AdamW; 8 steps) on the CUDA backend
 * against the same run on the Java backend, from the same weights and seed: the same completions
 * and per-step losses within 1e-3. Runs where a CUDA device is present, else reported as skipped.
 */
class CudaGrpoParityTest {

    @TempDir
    Path dir;

    @BeforeEach
    void device() {
        CudaParity.assumeDevice();
    }

    private record Run(List<Double> losses, List<String> completions) {
    }

    private Run run(Backend be, float[] weights, Path runDir) throws Exception {
        PolicyModel model = new PolicyModel(be,
                ModelConfig.gpt2(1, 2, 16, 32, GrpoTrainerTest.TOK.vocabSize(), 1e-5f, GrpoTrainerTest.TOK.eos()));
        be.write(model.params().all(), weights);
        TrainerSettings s = GrpoTrainerTest.settings(runDir, 8, 1, 0.04);
        List<Double> losses = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        try (EmbeddedEngine engine = new EmbeddedEngine(model)) {
            GrpoTrainer t = new GrpoTrainer(s, model, model, GrpoTrainerTest.TOK,
                    new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), engine,
                    new GrpoTrainerTest.DirectScoring(), (RolloutBatch b) -> {
                        completions.add(b.completions().toString());
                        return completions.size();
                    }, m -> 0, Map.of(), m -> losses.add(m.get("loss")));
            t.run(() -> false);
        }
        model.close();
        return new Run(losses, completions);
    }

    @Test
    void lossesTrackTheJavaRun() throws Exception {
        float[] weights;
        try (JavaBackend jb = new JavaBackend(2)) {
            PolicyModel m = new PolicyModel(jb,
                    ModelConfig.gpt2(1, 2, 16, 32, GrpoTrainerTest.TOK.vocabSize(), 1e-5f, GrpoTrainerTest.TOK.eos()));
            ModelInit.initialize(m, 3);
            weights = new float[(int) m.params().all().size()];
            jb.read(m.params().all(), weights);
        }
        Run java;
        try (JavaBackend jb = new JavaBackend(Runtime.getRuntime().availableProcessors())) {
            java = run(jb, weights, dir.resolve("java"));
        }
        Run cuda;
        try (CudaBackend cb = CudaBackend.open(CudaBackend.Options.defaults())) {
            cuda = run(cb, weights, dir.resolve("cuda"));
        }
        assertEquals(8, java.losses().size());
        assertEquals(8, cuda.losses().size());
        for (int i = 0; i < 8; i++) {
            System.out.printf(Locale.ROOT, "[parity] GRPO step %d loss java %.6f cuda %.6f%n", i + 1,
                    java.losses().get(i), cuda.losses().get(i));
        }
        assertEquals(java.completions(), cuda.completions(), "same sampled completions at every step");
        for (int i = 0; i < 8; i++) {
            assertEquals(java.losses().get(i), cuda.losses().get(i), 1e-3, "loss of step " + (i + 1));
        }
    }
}
