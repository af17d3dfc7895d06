package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.run.EmbeddedEngine;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA runs sync only their adapters: a Java worker process started from another model loads the
 * adapters' base once and then each version's PEFT adapter directory (load_adapter), and samples
 * exactly what the trainer's own policy with those adapters samples (EmbeddedEngine), bit for bit.
 */
class AdapterSyncTest {

    @TempDir
    Path tmp;

    @Test
    void aWorkerGivenOnlyAdaptersSamplesAsTheEmbeddedPolicyDoes() throws Exception {
        Path base = TinyModel.writeQwen3(tmp.resolve("base"), 31);
        Path other = TinyModel.writeQwen3(tmp.resolve("other"), 32); // the worker's --model: not the run's base
        RecordingLog log = new RecordingLog();
        try (PolicyModel policy = HfCheckpoint.load(base, new JavaBackend(1));
                EmbeddedEngine embedded = new EmbeddedEngine(policy);
                JavaWorkers.Started a = JavaWorkers.start(other, "a");
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 0, 20_000)) {
            engine.add(wa);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 10_000);
            assertTrue(wa.capabilities().contains("load_adapter"), wa.capabilities().toString());
            LoraAdapter lora = new LoraAdapter(policy.backend(), policy.config(),
                    new LoraConfig(4, 8, 0, List.of(LoraConfig.ALL_LINEAR), false), 5);
            policy.attach(lora);

            GenerationResult v1 = syncAndCompare(policy, embedded, engine, base, 1);
            GenerationResult v2 = syncAndCompare(policy, embedded, engine, base, 2);
            assertTrue(differ(v1, v2), "the new adapters sample differently");
            assertFalse(Files.exists(tmp.resolve("v2").resolve("model.safetensors")), "only adapters are written");
        }
    }

    @Test
    void anAdapterTheWorkerRefusesFailsTheSyncNamingWhyAndIsRetriedWithBackOffNotInATightLoop() throws Exception {
        Path base = TinyModel.writeQwen3(tmp.resolve("base"), 31);
        RecordingLog log = new RecordingLog();
        try (PolicyModel policy = HfCheckpoint.load(base, new JavaBackend(1));
                JavaWorkers.Started a = JavaWorkers.start(base, "a");
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 0, 1_000)) {
            engine.add(wa);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 10_000);
            policy.attach(new LoraAdapter(policy.backend(), policy.config(),
                    new LoraConfig(4, 8, 0, List.of(LoraConfig.ALL_LINEAR), false), 5));
            Path dir = tmp.resolve("bad");
            PeftAdapter.save(policy, dir, base.toString());
            Path config = dir.resolve(PeftAdapter.CONFIG);
            Files.writeString(config, Files.readString(config).replace("\"r\" : 4", "\"r\" : 8"));
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> engine.loadWeights(dir, 1));
            assertTrue(e.getMessage().contains("has shape [4, 32], expected [8, 32]"), e.getMessage());
            long errors = wa.status().errors();
            Thread.sleep(3_000);
            long more = wa.status().errors() - errors;
            assertTrue(more <= 6, more + " failed retries in 3 s: the supervisor must back off (250, 500, 1000 ms...)");
            assertEquals(WorkerState.HEALTHY, wa.state(), "a refused load leaves the worker serving");
        }
    }

    /** Random adapters (B non-zero, as after training), saved in PEFT's format and synced as version v. */
    private GenerationResult syncAndCompare(PolicyModel policy, EmbeddedEngine embedded, BridgeEngine engine,
            Path base, long v) throws Exception {
        LoraAdapter lora = policy.adapter();
        float[] values = new float[(int) lora.params().size()];
        Random rnd = new Random(100 + v);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextGaussian() * 0.3);
        }
        policy.backend().write(lora.params(), values);
        Path dir = tmp.resolve("v" + v);
        PeftAdapter.save(policy, dir, base.toString());
        engine.loadWeights(dir, v);
        assertEquals(v, engine.weightsVersion());
        GenerationRequest r = Batches.request(5, 2, 10, 9, v);
        embedded.advance(v);
        GenerationResult expected = embedded.generate(r);
        GenerationResult actual = engine.generate(r);
        Batches.assertSameSamples(expected, actual);
        return actual;
    }

    private static boolean differ(GenerationResult x, GenerationResult y) {
        for (int i = 0; i < x.completions().size(); i++) {
            if (!Arrays.equals(x.completions().get(i).logprobs(), y.completions().get(i).logprobs())) {
                return true;
            }
        }
        return false;
    }
}
