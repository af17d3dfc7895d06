package dev.cohort.trainer.internal.model;

/**
 * Learning-rate schedules as Hugging Face's Trainer computes them (TRL uses those): the
 * multiplier of the base rate at optimizer step {@code s} (0-based), with linear warm-up from 0
 * over {@code warmup} steps, then constant, linear decay to 0 at {@code total}, or half-cosine
 * decay to 0 at {@code total}.
 */
public record LrSchedule(Kind kind, double baseLr, int warmup, int total) {

    public enum Kind { CONSTANT, LINEAR, COSINE }

    public LrSchedule {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("learning_rate must be a number >= 0, got " + baseLr);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup_steps must be >= 0, got " + warmup);
        }
        if (total < 1) {
            throw new IllegalArgumentException("max_steps must be >= 1, got " + total);
        }
    }

    public static Kind parse(String name) {
        switch (name) {
            case "constant":
            case "constant_with_warmup":
                return Kind.CONSTANT;
            case "linear":
                return Kind.LINEAR;
            case "cosine":
                return Kind.COSINE;
            default:
                throw new IllegalArgumentException("lr_scheduler_type '" + name
                        + "' is not one of constant, constant_with_warmup, linear, cosine");
        }
    }

    /** The learning rate for optimizer step {@code step} (0-based). */
    public double lr(int step) {
        if (step < warmup) {
            return baseLr * step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        switch (kind) {
            case LINEAR:
                return baseLr * Math.max(0.0, 1.0 - progress);
            case COSINE:
                return baseLr * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            default:
                return baseLr;
        }
    }
}
