package dev.cohort.trainer.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmupTest {

    /** The range docs/quickstart-task.md gives for the committed warm-up's held-out accuracy. */
    static final double MIN_HELD_OUT = 0.2;
    static final double MAX_HELD_OUT = 0.4;

    @Test
    void committedCheckpointLoadsAndIsPartiallyCompetent() throws IOException {
        Path dir = Examples.dir().resolve("addition/warmup");
        long bytes;
        try (Stream<Path> files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 5_000_000, dir + " holds " + bytes + " bytes");
        ModelConfig cfg = HfCheckpoint.config(dir);
        CharTokenizer tok = (CharTokenizer) TokenizerFiles.read(dir, cfg.vocabSize());
        assertEquals(AdditionTask.ALPHABET, tok.alphabet());
        assertEquals(tok.vocabSize(), cfg.vocabSize());
        assertEquals(tok.eos(), cfg.eosTokenId());
        assertTrue(cfg.nPositions() >= AdditionTask.PROMPT_TOKENS + Evaluation.MAX_NEW_TOKENS);
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = HfCheckpoint.load(dir, be)) {
            double acc = Evaluation.accuracy(m, tok, new AdditionTask().heldOutRows());
            assertTrue(acc >= MIN_HELD_OUT && acc <= MAX_HELD_OUT, "held-out accuracy " + acc);
        }
    }

    @Test
    void batchesScoreTheAnswerAndEos() {
        CharTokenizer tok = AdditionTask.tokenizer();
        List<AdditionTask.Problem> problems = List.of(new AdditionTask.Problem(23, 58), new AdditionTask.Problem(65, 53));
        int t = 10;
        int[] tokens = new int[2 * t];
        int[] targets = new int[2 * t];
        SplittableRandom rng = new SplittableRandom(3);
        int count = SupervisedBatch.fill(problems, rng, tok, t, tokens, targets, 2);
        int scored = 0;
        for (int r = 0; r < 2; r++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < t && tokens[r * t + i] != tok.eos(); i++) {
                text.append(tok.decode(new int[] {tokens[r * t + i]}));
            }
            String s = text.toString();
            assertTrue(s.equals("23+58=81") || s.equals("65+53=118"), s);
            int answerLen = s.length() - AdditionTask.PROMPT_TOKENS;
            for (int i = 0; i < t; i++) {
                boolean inAnswer = i >= AdditionTask.PROMPT_TOKENS - 1 && i < AdditionTask.PROMPT_TOKENS + answerLen;
                assertEquals(inAnswer ? tokens[r * t + i + 1] : -1, targets[r * t + i], s + " position " + i);
                scored += inAnswer ? 1 : 0;
            }
            assertEquals(tok.eos(), targets[r * t + AdditionTask.PROMPT_TOKENS + answerLen - 1]);
        }
        assertEquals(scored, count);
    }

    @Test
    void shortRunWritesALoadableCheckpointAndTokenizer(@TempDir Path dir) throws IOException {
        Warmup.Settings d = Warmup.Settings.defaults();
        Warmup.Settings s = new Warmup.Settings(dir.resolve("wu"), 1, 16, 2, 16, 100, 20, 1.1, 8, 1e-3, 0, 2, 4, 1,
                2);
        Warmup.Result r = Warmup.run(s, false);
        assertEquals(4, r.steps());
        assertTrue(Double.isFinite(r.loss()));
        assertEquals(d.positions(), HfCheckpoint.config(s.out()).nPositions());
        JsonNode written = new ObjectMapper().readTree(s.out().resolve(Warmup.TOKENIZER_FILE).toFile());
        assertEquals("BPE", written.path("model").path("type").asText(), written.toString());
        assertEquals("0123456789+=", ((CharTokenizer) TokenizerFiles.read(s.out(), 13)).alphabet());
        try (JavaBackend be = new JavaBackend(1); PolicyModel m = HfCheckpoint.load(s.out(), be)) {
            assertEquals(r.parameters(), m.layout().total());
        }
    }
}
