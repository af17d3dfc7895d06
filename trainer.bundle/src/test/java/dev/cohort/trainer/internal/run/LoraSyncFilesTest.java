package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a LoRA run writes for a remote engine: the base once, then only PEFT adapter directories. */
class LoraSyncFilesTest {

    @TempDir
    Path tmp;

    @Test
    void theBaseIsWrittenOnceAndEachVersionHoldsOnlyAdaptersThatLoadBackExactly() throws Exception {
        JavaBackend be = new JavaBackend(1);
        try (PolicyModel m = new PolicyModel(be, ModelConfig.gpt2(2, 2, 8, 32, 23, 1e-5f, 22))) {
            ModelInit.initialize(m, 3);
            m.attach(new LoraAdapter(be, m.config(), new LoraConfig(2, 4, 0, List.of(LoraConfig.ALL_LINEAR), false), 1));
            float[] v1 = randomAdapters(m, 1);
            Path root = tmp.resolve("weights-sync");
            Path d1 = LoraRuns.writeAdapterSync(m, GrpoTrainerTest.TOK, root, 1);
            Path base = root.resolve("base");
            FileTime written = Files.getLastModifiedTime(base.resolve("model.safetensors"));
            randomAdapters(m, 2);
            Path d2 = LoraRuns.writeAdapterSync(m, GrpoTrainerTest.TOK, root, 2);
            assertEquals(root.resolve("v2"), d2);
            assertEquals(written, Files.getLastModifiedTime(base.resolve("model.safetensors")), "base written once");
            assertFalse(Files.exists(d1.resolve("model.safetensors")), "a version holds adapters only");
            assertEquals(base.toAbsolutePath().normalize().toString(), new ObjectMapper()
                    .readTree(d1.resolve(PeftAdapter.CONFIG).toFile()).get("base_model_name_or_path").asText());
            try (PolicyModel loaded = HfCheckpoint.load(base, be)) {
                assertArrayEquals(values(m, m.params().all()), values(loaded, loaded.params().all()), "the frozen base");
                PeftAdapter.load(d1, loaded);
                assertArrayEquals(v1, values(loaded, loaded.adapter().params()), "version 1's adapters");
            }
            assertTrue(Files.isRegularFile(base.resolve("config.json")), "the base is a checkpoint directory");
        }
    }

    private static float[] randomAdapters(PolicyModel m, long seed) {
        LoraAdapter a = m.adapter();
        float[] v = new float[(int) a.params().size()];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        m.backend().write(a.params(), v);
        return v;
    }

    private static float[] values(PolicyModel m, dev.cohort.trainer.internal.backend.Tensor t) {
        float[] v = new float[(int) t.size()];
        m.backend().read(t, v);
        return v;
    }
}
