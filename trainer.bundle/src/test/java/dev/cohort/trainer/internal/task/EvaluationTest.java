package dev.cohort.trainer.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    private static final CharTokenizer TOK = AdditionTask.tokenizer();

    /** A random 1-layer model with weights large enough that its greedy answers vary by prompt. */
    private static PolicyModel tinyModel(JavaBackend be) {
        PolicyModel m = new PolicyModel(be, ModelConfig.gpt2(1, 2, 16, 16, TOK.vocabSize(), 1e-5f, TOK.eos()));
        ModelInit.initialize(m, 5);
        float[] p = new float[(int) m.layout().total()];
        be.read(m.params().all(), p);
        for (int i = 0; i < p.length; i++) {
            p[i] *= 40;
        }
        be.write(m.params().all(), p);
        return m;
    }

    /** Greedy decoding by recomputing the whole sequence each step: independent of the Sampler. */
    private static String greedy(PolicyModel m, String prompt, int maxNew) {
        List<Integer> seq = new ArrayList<>();
        for (int id : TOK.encode(prompt)) {
            seq.add(id);
        }
        int v = TOK.vocabSize();
        StringBuilder out = new StringBuilder();
        float[] logits = new float[0];
        for (int k = 0; k < maxNew; k++) {
            int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
            m.forward(ids, 1, ids.length);
            if (logits.length != ids.length * v) {
                logits = new float[ids.length * v];
            }
            m.backend().read(m.logits(), logits);
            int best = 0;
            for (int j = 1; j < v; j++) {
                if (logits[(ids.length - 1) * v + j] > logits[(ids.length - 1) * v + best]) {
                    best = j;
                }
            }
            if (best == TOK.eos()) {
                break;
            }
            out.append(TOK.decode(new int[] {best}));
            seq.add(best);
        }
        return out.toString();
    }

    @Test
    void meanRewardOfGreedyCompletions() {
        AdditionTask task = new AdditionTask();
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = tinyModel(be)) {
            List<Map<String, Object>> rows = new ArrayList<>(task.trainRows(24));
            // make some rows right by construction: the answer is what the model says
            int expectRight = 0;
            List<String> said = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                String completion = greedy(m, rows.get(i).get("prompt").toString(), Evaluation.MAX_NEW_TOKENS);
                said.add(completion);
                String lastNumber = completion.replaceAll("^.*?([0-9]+)[^0-9]*$", "$1");
                if (i % 3 != 2 && completion.matches(".*[0-9].*")) {
                    Map<String, Object> row = new LinkedHashMap<>(rows.get(i));
                    row.put("answer", lastNumber);
                    rows.set(i, row);
                }
            }
            for (int i = 0; i < rows.size(); i++) {
                expectRight += (int) Grading.grade(said.get(i), rows.get(i).get("answer"));
            }
            assertTrue(expectRight > 0 && expectRight < rows.size(), "the fixture is degenerate: " + said);
            assertTrue(said.stream().distinct().count() > 2, "the model says nearly the same everywhere: " + said);
            double acc = Evaluation.accuracy(m, TOK, rows);
            // pinned: 14 of the 24 rows (16 made right, of which 2 completions hold no number)
            assertEquals(14.0 / 24, acc, 0.0, "completions " + said);
            assertEquals(expectRight / (double) rows.size(), acc, 0.0, "completions " + said);
            assertEquals(acc, Evaluation.accuracy(m, TOK, rows), 0.0, "not deterministic");
            // the true answers: this random model gets (about) none right
            assertEquals(0.0, Evaluation.accuracy(m, TOK, task.trainRows(24)), 0.0, "completions " + said);
        }
    }

    @Test
    void chunksGiveTheSameAsOneBatch() {
        AdditionTask task = new AdditionTask();
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = tinyModel(be)) {
            List<Map<String, Object>> rows = task.trainRows(Evaluation.CHUNK + 40);
            double sum = Evaluation.accuracy(m, TOK, rows.subList(0, Evaluation.CHUNK)) * Evaluation.CHUNK
                    + Evaluation.accuracy(m, TOK, rows.subList(Evaluation.CHUNK, rows.size())) * 40;
            assertEquals(sum / rows.size(), Evaluation.accuracy(m, TOK, rows), 1e-12);
            assertEquals(0.0, Evaluation.accuracy(m, TOK, List.of()));
        }
    }
}
