package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import org.junit.jupiter.api.Test;

/**
 * The memory plan of the case: full fine-tuning of a Qwen2.5-1.5B-shaped policy with
 * GRPO, 64 completions x 512 tokens per step (prompts up to 256 tokens), on one 80 GB GPU.
 */
class MemoryPlanTest {

    private static final long GIB = 1L << 30;

    @Test
    void qwen25OneAndAHalfBillionFitsEightyGigabytesWithMicroBatchesOfEight() {
        ModelConfig cfg = ModelConfig.named("qwen2.5-1.5b");
        try (JavaBackend be = new JavaBackend(1)) {
            MemoryPlan plain = MemoryPlan.of(be, cfg, new MemoryPlan.Shape(8, 768, 64, 768, false, false));
            long params = 4L * 1_543_714_304L;
            assertEquals(params, plain.components().get("parameters"));
            assertEquals(2 * params, plain.components().get("AdamW moments"));
            // KV cache: 28 layers x k and v x 64 sequences x 2 heads x 768 positions x 128 x 4 bytes
            assertEquals(8L * 28 * 64 * 2 * 768 * 128, plain.components().get("KV cache (64 x 768)"));
            assertTrue(plain.total() < 80 * GIB, plain.describe());
            MemoryPlan ckpt = MemoryPlan.of(be, cfg, new MemoryPlan.Shape(8, 768, 64, 768, false, true));
            long a = plain.components().get("activations (8 x 768)");
            long c = ckpt.components().get("activations (8 x 768, checkpointed)");
            assertTrue(c < a / 10, "checkpointing keeps one block's activations and every block's output: " + c + " vs " + a);
            MemoryPlan withReference = MemoryPlan.of(be, cfg, new MemoryPlan.Shape(8, 768, 64, 768, true, false));
            assertTrue(withReference.total() > plain.total() + params);
        }
    }
}
