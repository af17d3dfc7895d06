package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cohort's Java backend against an independent float64 reference of transformers' modeling
 * files (src/test/python/hfref, fixtures in src/test/resources/hfref with their README) on tiny
 * checkpoints in the hub's layout: BF16, F16 and F32 weights, single and sharded files, both
 * config spellings (transformers 4 and 5). Cohort computes in fp32, so logits (|values| < 12)
 * agree to 1e-4 absolute, log-probs likewise; greedy tokens exactly (every step's top-1 lead
 * over the second logit is at least 0.015 in the fixtures, far above fp32's error).
 */
class HfReferenceTest {

    private static final Path FIXTURES = Path.of("src/test/resources/hfref");
    private static final double TOLERANCE = 1e-4;

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-bf16", "qwen3-bf16", "llama3-bf16-sharded", "llama-bias-f16", "mistral-f32"})
    void logitsLogprobsAndGreedyGenerationsMatchTheReference(String name) throws Exception {
        Path dir = FIXTURES.resolve(name);
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int checked = 0;
        try (PolicyModel m = HfCheckpoint.load(dir, be)) {
            ModelConfig cfg = m.config();
            for (JsonNode seq : expected.get("sequences")) {
                int[] ids = ints(seq.get("input_ids"));
                if (cfg.slidingWindow() > 0 && ids.length > cfg.slidingWindow()) {
                    assertThrows(IllegalArgumentException.class, () -> m.forward(ids, 1, ids.length),
                            "longer than the sliding window: refused");
                    continue;
                }
                m.forward(ids, 1, ids.length);
                float[] logits = new float[ids.length * cfg.vocabSize()];
                be.read(m.logits(), logits);
                for (JsonNode row : seq.get("logits")) {
                    int p = row.get("position").asInt();
                    for (int k = 0; k < cfg.vocabSize(); k++) {
                        assertEquals(row.get("row").get(k).asDouble(), logits[p * cfg.vocabSize() + k], TOLERANCE,
                                name + ": logit " + k + " at position " + p + " of a sequence of " + ids.length);
                    }
                }
                int[] targets = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    targets[i] = i + 1 < ids.length ? ids[i + 1] : -1;
                }
                float[] lp = new float[ids.length];
                m.logprobs(targets, 1f, lp, null);
                JsonNode next = seq.get("next_token_logprobs");
                for (int i = 0; i + 1 < ids.length; i++) {
                    assertEquals(next.get(i).asDouble(), lp[i], TOLERANCE, name + ": log-prob of token " + (i + 1));
                }
                checked++;
            }
            checked += generations(name, m, expected.get("generation"));
        }
        assertTrue(checked >= 2, name + ": " + checked + " comparisons");
    }

    /** Greedy generations with the KV cache; Mistral's would outgrow its window and are refused. */
    private int generations(String name, PolicyModel m, JsonNode gen) {
        int[] eos = ints(gen.get("eos_token_ids"));
        assertArrayEquals(eos, m.config().eosTokenIds(), name + ": EOS ids from generation_config.json");
        int max = gen.get("max_new_tokens").asInt();
        int done = 0;
        try (Sampler sampler = new Sampler(m)) {
            for (JsonNode c : gen.get("cases")) {
                int[] prompt = ints(c.get("prompt"));
                if (m.config().slidingWindow() > 0 && prompt.length + max > m.config().slidingWindow()) {
                    assertThrows(IllegalArgumentException.class,
                            () -> sampler.generate(List.of(prompt), SamplingParams.greedy(max), eos));
                    continue;
                }
                Completion out = sampler.generate(List.of(prompt), SamplingParams.greedy(max), eos).get(0);
                assertArrayEquals(ints(c.get("tokens")), out.tokens(), name + ": greedy tokens after " + prompt.length);
                for (int k = 0; k < out.tokens().length; k++) {
                    assertEquals(c.get("logprobs").get(k).asDouble(), out.logprobsT1()[k], TOLERANCE,
                            name + ": log-prob of generated token " + k);
                }
                assertEquals(c.get("stopped_on_eos").asBoolean(), out.finish() == Completion.Finish.EOS);
                done++;
            }
        }
        return done;
    }

    @Test
    void qwenSlidingWindowLayersAreRefusedBeforeWeightsAreRead() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> HfCheckpoint.load(FIXTURES.resolve("qwen2-swa-bf16"), be));
        assertTrue(e.getMessage().contains("use_sliding_window is true") || e.getMessage().contains("layer_types"),
                e.getMessage());
    }

    private static int[] ints(JsonNode a) {
        List<Integer> l = new ArrayList<>();
        a.forEach(x -> l.add(x.asInt()));
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
