package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;

/**
 * Checks one completion of a worker's generate reply against its request before the trainer
 * sees it: token ids within the vocabulary of the weights last loaded (when known), as many
 * log-probs as tokens, each a finite number at most 0 (a little rounding allowed), at most
 * max_tokens tokens, a stop token only as the last token, and a known finish reason. A reply
 * that fails is the worker's fault: its chunk is retried elsewhere.
 */
final class CompletionCheck {

    /** A log-prob may exceed 0 by rounding, by no more than this. */
    private static final double LOGPROB_SLACK = 1e-3;

    private CompletionCheck() {
    }

    /**
     * @param vocab the vocabulary size of the served weights, or 0 when unknown
     * @throws IllegalArgumentException saying what is wrong and where
     */
    static GenerationResult.Completion completion(JsonNode c, int prompt, GenerationRequest r, int vocab) {
        JsonNode ids = c.path("token_ids");
        JsonNode lps = c.path("logprobs");
        String where = "prompt " + prompt + ": ";
        if (!ids.isArray() || !lps.isArray()) {
            throw new IllegalArgumentException(where + "token_ids and logprobs must be lists");
        }
        if (ids.size() != lps.size() || ids.size() > r.maxTokens()) {
            throw new IllegalArgumentException(where + ids.size() + " token_ids and " + lps.size() + " logprobs; they"
                    + " must be as many, at most max_tokens " + r.maxTokens());
        }
        int[] stops = r.stopTokenIds();
        int[] t = new int[ids.size()];
        float[] lp = new float[ids.size()];
        for (int k = 0; k < t.length; k++) {
            JsonNode id = ids.get(k);
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || vocab > 0 && id.asInt() >= vocab) {
                throw new IllegalArgumentException(where + "token " + k + " is " + id + ", not a token id in [0, "
                        + (vocab > 0 ? vocab : "2^31") + ")");
            }
            t[k] = id.asInt();
            if (k < t.length - 1 && contains(stops, t[k])) {
                throw new IllegalArgumentException(where + "token " + k + " is the stop token " + t[k]
                        + ", yet the completion goes on");
            }
            JsonNode v = lps.get(k);
            double d = v.asDouble(Double.NaN);
            if (!v.isNumber() || !Double.isFinite(d) || d > LOGPROB_SLACK) {
                throw new IllegalArgumentException(where + "log-prob " + k + " is " + v + ", not a finite number <= 0");
            }
            lp[k] = (float) d; // a float sent as a double comes back exactly
        }
        return new GenerationResult.Completion(t, lp, c.path("finish_reason").asText());
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
