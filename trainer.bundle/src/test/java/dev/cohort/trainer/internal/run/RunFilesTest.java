package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.metrics.LogHistory;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run leaves in its folder: metrics.jsonl per logging step and log_history in its checkpoints. */
class RunFilesTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TrainerSettings settings(Path runDir, int maxSteps, int saveSteps, int loggingSteps) {
        TrainerSettings s = GrpoTrainerTest.settings(runDir, maxSteps, 1, 0.0);
        return new TrainerSettings(s.runId(), maxSteps, s.numGenerations(), s.promptsPerStep(), s.microBatch(),
                s.maxPromptLength(), s.maxCompletionLength(), s.temperature(), s.topP(), s.topK(), s.minP(), s.seed(),
                s.objective(), s.adam(), s.schedule(), s.rewards(), s.scoring(), saveSteps, loggingSteps, runDir,
                s.saveDtype());
    }

    private List<TrainingMetrics> train(JavaBackend be, TrainerSettings s, Path resume) throws Exception {
        PolicyModel model = new PolicyModel(be, ModelConfig.gpt2(1, 2, 16, 32, GrpoTrainerTest.TOK.vocabSize(),
                1e-5f, GrpoTrainerTest.TOK.eos()));
        ModelInit.initialize(model, 3);
        List<TrainingMetrics> published = new ArrayList<>();
        try (EmbeddedEngine engine = new EmbeddedEngine(model)) {
            GrpoTrainer t = new GrpoTrainer(s, model, null, GrpoTrainerTest.TOK,
                    new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), engine,
                    new GrpoTrainerTest.DirectScoring(), b -> 0, m -> 0, Map.of("run_name", ""), published::add);
            if (resume != null) {
                t.resume(resume, TrainerState.read(resume));
            }
            t.run(() -> false);
        }
        return published;
    }

    @Test
    void everyLoggingStepIsALineAndALogHistoryEntryOfItsWindow() throws Exception {
        Path run = dir.resolve("test-run");
        List<TrainingMetrics> steps;
        try (JavaBackend be = new JavaBackend(2)) {
            steps = train(be, settings(run, 5, 0, 2), null);
        }
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, lines.size(), "steps 2 and 4 of 5 with logging_steps 2");
        JsonNode state = JSON.readTree(run.resolve("checkpoint-5/trainer_state.json").toFile());
        JsonNode history = state.get("log_history");
        assertEquals(2, history.size());
        for (int i = 0; i < 2; i++) {
            TrainingMetrics a = steps.get(2 * i);
            TrainingMetrics b = steps.get(2 * i + 1);
            JsonNode line = JSON.readTree(lines.get(i));
            JsonNode entry = history.get(i);
            assertEquals(b.step(), line.get("step").asLong());
            assertEquals(b.step(), entry.get("step").asLong());
            assertEquals((a.get("reward") + b.get("reward")) / 2, line.get("reward").asDouble(), 1e-12);
            assertEquals((a.get("loss") + b.get("loss")) / 2, line.get("loss").asDouble(), 1e-12);
            assertEquals(LogHistory.round4((a.get("loss") + b.get("loss")) / 2), entry.get("loss").asDouble());
            assertEquals(b.get("grad_norm"), entry.get("grad_norm").asDouble());
            assertEquals(b.get("learning_rate"), entry.get("learning_rate").asDouble());
            assertEquals(b.step() - 1, line.get("weights_version").asLong(), "sampled with the weights before the step");
            // 2 prompts a step out of 6 rows
            assertEquals(b.step() * 2 / 6.0, entry.get("epoch").asDouble(), 1e-12);
            assertTrue(!entry.has("kl"), "kl is not computed with beta 0, so it is not logged");
        }
        assertEquals(5, state.get("global_step").asInt());
        assertEquals(2, state.get("logging_steps").asInt());
        assertEquals("test-run", Files.readString(run.resolve("config.yaml")).lines()
                .filter(l -> l.startsWith("run_name:")).findFirst().orElseThrow().substring(9).trim()
                .replace("\"", ""));
    }

    @Test
    void aResumedRunContinuesTheHistoryOfItsCheckpointAndMarksTheFile() throws Exception {
        Path run = dir.resolve("test-run");
        try (JavaBackend be = new JavaBackend(2)) {
            train(be, settings(run, 4, 2, 1), null);
            train(be, settings(run, 6, 2, 1), run.resolve("checkpoint-2"));
        }
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(4 + 1 + 4, lines.size(), "steps 1-4, the marker, steps 3-6");
        assertEquals("resumed", JSON.readTree(lines.get(4)).get("event").asText());
        assertEquals(2, JSON.readTree(lines.get(4)).get("step").asInt());
        JsonNode history = JSON.readTree(run.resolve("checkpoint-6/trainer_state.json").toFile()).get("log_history");
        List<Integer> logged = new ArrayList<>();
        history.forEach(e -> logged.add(e.get("step").asInt()));
        assertEquals(List.of(1, 2, 3, 4, 5, 6), logged);
        assertEquals(JSON.readTree(lines.get(1)).get("reward").asDouble(), history.get(1).get("reward").asDouble(),
                "the entries of the checkpoint are kept");
    }
}
