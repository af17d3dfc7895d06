package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a GRPO step holds in the backend's memory, by component, computed from the shapes
 * without allocating anything (the activation sizes are the same arithmetic that
 * {@link Activations} allocates with, and the attention's state is the backend's own):
 * parameters, gradients and AdamW's two moments (fp32), the reference model when beta > 0,
 * the forward activations and the backward's scratch of one micro-batch, the LM head's logits
 * chunk, and the sampler's KV cache.
 *
 * @param components bytes by component, in the order above
 */
public record MemoryPlan(Map<String, Long> components) {

    /** The run's shapes: micro-batch sequences x tokens for the update, sequences x tokens for the sampler. */
    public record Shape(int microBatch, int seqLen, int sequences, int sampleLen, boolean reference,
            boolean checkpointing) {
    }

    public static MemoryPlan of(Backend be, ModelConfig cfg, Shape s) {
        long params = 4 * new ParamLayout(cfg).total();
        int logitRows = new LmHead(be, cfg, LmHead.LOGITS_BUDGET).chunkRows((long) s.microBatch() * s.seqLen());
        long[] acts = Activations.bytes(be, cfg, s.microBatch(), s.seqLen(), logitRows, s.checkpointing());
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("parameters", params);
        m.put("gradients", params);
        m.put("AdamW moments", 2 * params);
        if (s.reference()) {
            m.put("reference model (parameters and forward activations)", params + acts[0]);
        }
        m.put("activations (" + s.microBatch() + " x " + s.seqLen() + (s.checkpointing() ? ", checkpointed" : "")
                + ")", acts[0]);
        m.put("backward scratch", acts[1]);
        m.put("KV cache (" + s.sequences() + " x " + s.sampleLen() + ")",
                8L * cfg.nLayer() * s.sequences() * cfg.nKvHead() * s.sampleLen() * cfg.headDim());
        return new MemoryPlan(m);
    }

    public long total() {
        return components.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One line: each component and the total in GiB. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        components.forEach((k, v) -> b.append(k).append(' ').append(gib(v)).append(", "));
        return b.append("total ").append(gib(total())).append(" GiB").toString();
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f", bytes / (double) (1L << 30));
    }
}
