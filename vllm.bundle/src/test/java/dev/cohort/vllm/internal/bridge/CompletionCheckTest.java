package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each way a completion can fail to fit its request is refused with a message naming what and where. */
class CompletionCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** max_tokens 4, stop token 12. */
    private static final GenerationRequest REQUEST = new GenerationRequest(List.of(new int[] {1, 2}), 1, 4, 1f, 1f, 0,
            0f, 1, 0, new int[] {12});

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void aFittingCompletionPassesExactly() throws Exception {
        GenerationResult.Completion c = CompletionCheck.completion(json(
                "{'token_ids':[3,12],'logprobs':[-0.5,-1.25],'finish_reason':'stop'}"), 0, REQUEST, 13);
        assertArrayEquals(new int[] {3, 12}, c.tokenIds());
        assertArrayEquals(new float[] {-0.5f, -1.25f}, c.logprobs());
        assertEquals("stop", c.finishReason());
    }

    @Test
    void everyMisfitIsRefusedNamingIt() {
        assertMisfit("{'token_ids':[3,13],'logprobs':[-1,-1],'finish_reason':'length'}", 13,
                "prompt 7: token 1 is 13, not a token id in [0, 13)");
        assertMisfit("{'token_ids':[-1],'logprobs':[-1],'finish_reason':'length'}", 0,
                "token 0 is -1, not a token id in [0, 2^31)");
        assertMisfit("{'token_ids':[1.5],'logprobs':[-1],'finish_reason':'length'}", 13, "token 0 is 1.5");
        assertMisfit("{'token_ids':[1,2],'logprobs':[-1],'finish_reason':'length'}", 13,
                "2 token_ids and 1 logprobs; they must be as many, at most max_tokens 4");
        assertMisfit("{'token_ids':[1,2,3,4,5],'logprobs':[-1,-1,-1,-1,-1],'finish_reason':'length'}", 13,
                "at most max_tokens 4");
        assertMisfit("{'token_ids':[12,3],'logprobs':[-1,-1],'finish_reason':'stop'}", 13,
                "token 0 is the stop token 12, yet the completion goes on");
        assertMisfit("{'token_ids':[1],'logprobs':[0.5],'finish_reason':'length'}", 13,
                "log-prob 0 is 0.5, not a finite number <= 0");
        assertMisfit("{'token_ids':[1],'logprobs':['NaN'],'finish_reason':'length'}", 13, "log-prob 0 is \"NaN\"");
        assertMisfit("{'token_ids':[1],'logprobs':[-1],'finish_reason':'eos'}", 13, "finishReason must be");
        assertMisfit("{'token_ids':'1','logprobs':[-1],'finish_reason':'stop'}", 13, "must be lists");
    }

    private static void assertMisfit(String completion, int vocab, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompletionCheck.completion(json(completion), 7, REQUEST, vocab), completion);
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should contain " + expected);
    }
}
