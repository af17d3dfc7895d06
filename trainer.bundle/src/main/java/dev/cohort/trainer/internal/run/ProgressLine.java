package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingMetrics;
import java.util.Locale;

/**
 * One line of a step's main metrics, for the log and the console; with async_prefetch it ends
 * with the trained batch's weights version and staleness and the batches in flight.
 */
final class ProgressLine {

    private ProgressLine() {
    }

    static String of(String runId, TrainingMetrics m) {
        return String.format(Locale.ROOT, "%s step %d/%d | reward %.3f +- %.3f | loss %.4f | kl %s | entropy %.3f"
                + " | len %.1f | grad %.3f | lr %.2e | %.2f s/step (gen %.2f, score %.2f, update %.2f) | %.0f tok/s",
                runId, m.step(), m.maxSteps(), m.get("reward"), m.get("reward_std"), m.get("loss"),
                Double.isNaN(m.get("kl")) ? "-" : String.format(Locale.ROOT, "%.4f", m.get("kl")), m.get("entropy"),
                m.get("completions/mean_length"), m.get("grad_norm"), m.get("learning_rate"), m.get("time/step"),
                m.get("time/generation"), m.get("time/scoring"), m.get("time/update"), m.get("tokens_per_second"))
                + async(m);
    }

    private static String async(TrainingMetrics m) {
        if (!m.values().containsKey("async/staleness")) {
            return "";
        }
        return String.format(Locale.ROOT, " | weights v%.0f, staleness %.0f, in flight %.0f",
                m.get("async/weights_version"), m.get("async/staleness"), m.get("async/in_flight"));
    }
}
