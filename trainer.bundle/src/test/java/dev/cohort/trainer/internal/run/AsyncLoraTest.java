package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.backend.Tensor;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous mode with LoRA adapters (a one-layer Qwen2-shaped policy, the Java backend):
 * the producer samples with the adapters of the version it loaded, so with max_staleness 0 an
 * asynchronous run is the synchronous one bit for bit; a remote engine gets the base once and then
 * only adapter directories, and its completions' log-probs match the trainer's under them.
 */
class AsyncLoraTest {

    @TempDir
    Path dir;

    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR), false);

    private static PolicyModel adapted(JavaBackend be) {
        int[] eos = {GrpoTrainerTest.TOK.eos()};
        ModelConfig cfg = new ModelConfig(ModelType.QWEN2, 1, 2, 2, 8, 16, 24, 32, GrpoTrainerTest.TOK.vocabSize(),
                1e-6f, 1e4, null, true, false, false, false, true, 0, eos, -1, "float32", null);
        PolicyModel m = new PolicyModel(be, cfg);
        ModelInit.initialize(m, 3);
        m.attach(new LoraAdapter(be, cfg, LORA, 11));
        return m;
    }

    private record Run(List<RolloutBatch> batches, List<TrainingMetrics> metrics, float[] adapters, float[] base) {
    }

    private static Run run(PolicyModel model, RolloutEngine engine, TrainerSettings s) throws Exception {
        AsyncTrainerTest.Run r = AsyncTrainerTest.run(model, engine, s, new GrpoTrainerTest.DirectScoring(),
                Map.of("model", "base-model-dir"), null, 0);
        return new Run(r.batches(), r.metrics(), read(model, model.adapter().params()),
                read(model, model.params().all()));
    }

    private static float[] read(PolicyModel m, Tensor t) {
        float[] v = new float[(int) t.size()];
        m.backend().read(t, v);
        return v;
    }

    private static TrainerSettings async(Path runDir, int steps, int depth, int maxStaleness) {
        return GrpoTrainerTest.settings(runDir, steps, 1, 0).withAsync(new AsyncSettings(true, depth, maxStaleness, 1));
    }

    private static List<String> completions(List<RolloutBatch> batches) {
        List<String> out = new ArrayList<>();
        for (RolloutBatch b : batches) {
            out.add(b.step() + ":" + b.prompts() + "->" + b.completions());
        }
        return out;
    }

    @Test
    void withMaxStalenessZeroTheAsynchronousRunIsTheSynchronousOne() throws Exception {
        Run sync;
        Run async;
        float[] base0;
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = adapted(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
            base0 = read(m, m.params().all());
            sync = run(m, e, GrpoTrainerTest.settings(dir.resolve("sync"), 5, 1, 0));
        }
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = adapted(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
            async = run(m, e, async(dir.resolve("async"), 5, 3, 0));
        }
        assertEquals(completions(sync.batches()), completions(async.batches()),
                "the producer sampled with the same adapted weights as the synchronous loop");
        for (RolloutBatch b : async.batches()) {
            assertEquals(b.step(), b.weightsVersion());
        }
        assertArrayEquals(sync.adapters(), async.adapters(), "the same adapters after 5 steps, bit for bit");
        assertArrayEquals(base0, async.base(), "the base stays frozen");
        assertFalse(java.util.Arrays.equals(initialAdapters(), async.adapters()), "the adapters trained");
    }

    /** A's initial draw with B zero: what the adapters were before training. */
    private static float[] initialAdapters() {
        try (JavaBackend be = new JavaBackend(1); PolicyModel m = adapted(be)) {
            return read(m, m.adapter().params());
        }
    }

    @Test
    void aStaleProducerSamplesWithTheAdaptersOfItsVersion() throws Exception {
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = adapted(be); JavaBackend workerBe = new JavaBackend(1);
                PolicyModel worker = new PolicyModel(workerBe, m.config()); AdapterWorker remote = new AdapterWorker(worker)) {
            Run r = run(m, remote, async(dir.resolve("remote"), 6, 2, 2));
            assertEquals(6, r.batches().size());
            assertEquals(List.copyOf(new java.util.TreeSet<>(remote.loaded)), remote.loaded, "each version once, in order");
            for (RolloutBatch b : r.batches()) {
                assertTrue(remote.loaded.contains(b.weightsVersion()), "version " + b.weightsVersion());
            }
            Path sync = dir.resolve("remote/weights-sync");
            assertTrue(Files.isRegularFile(sync.resolve("base/model.safetensors")), "the base, written once");
            for (long v : remote.loaded) {
                assertFalse(Files.exists(sync.resolve("v" + v).resolve("model.safetensors")), "v" + v + ": adapters only");
            }
            for (TrainingMetrics x : r.metrics()) {
                // the worker held the generating version's adapters: the trainer's log-probs under them agree
                assertEquals(1.0, x.get("sampling/importance_sampling_ratio/mean"), 1e-3, x.values().toString());
                assertTrue(x.get("sampling/sampling_logp_difference/max") < 1e-3, x.values().toString());
            }
        }
    }

    /**
     * A real engine that gets the trainer's weights only through loadWeights, as the bridge's
     * Java worker does under LoRA: the base directory named by the adapter's
     * base_model_name_or_path once, then each version's PEFT adapters.
     */
    static final class AdapterWorker extends AsyncTrainerTest.RemoteCopy {
        private final PolicyModel model;

        AdapterWorker(PolicyModel model) {
            super(model);
            this.model = model;
        }

        @Override
        void apply(Path directory, long version) throws IOException {
            if (model.adapter() == null) {
                String base = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(directory.resolve(PeftAdapter.CONFIG).toFile()).get("base_model_name_or_path").asText();
                try (PolicyModel b = HfCheckpoint.load(Path.of(base), model.backend())) {
                    model.backend().write(model.params().all(), read(b, b.params().all()));
                }
                PeftAdapter.load(directory, model);
            } else {
                PeftAdapter.loadValues(directory, model.adapter(), model);
            }
            inner.advance(version);
        }
    }
}
