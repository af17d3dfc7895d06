package dev.cohort.plugins.dashboard;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.util.List;
import java.util.Map;

/** The JSON documents the page reads: metric points, the run history, rollout batches. */
final class Views {

    private Views() {
    }

    /** One step of one run: {@code {"run","step","max","time","values":{name: number|null}}}. */
    static String point(TrainingMetrics m) {
        Json j = new Json().beginObject().field("run", m.runId()).field("step", m.step())
                .field("max", m.maxSteps()).field("time", m.time().toEpochMilli()).name("values").beginObject();
        for (Map.Entry<String, Double> e : m.values().entrySet()) {
            j.field(e.getKey(), e.getValue() == null ? Double.NaN : e.getValue());
        }
        return j.endObject().endObject().toString();
    }

    /** Every run's points: {@code {"runs":[{"run", "points":[point...]}]}}. */
    static String history(DashboardStore store) {
        Json j = new Json().beginObject().name("runs").beginArray();
        for (String run : store.runs()) {
            j.beginObject().field("run", run).name("points").beginArray();
            for (TrainingMetrics m : store.metrics(run)) {
                j.raw(point(m));
            }
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }

    /** The rollout batches kept: {@code [{"run","step","groups","samples","time"}]}, oldest first. */
    static String rolloutIndex(List<RolloutBatch> batches) {
        Json j = new Json().beginArray();
        for (RolloutBatch b : batches) {
            j.raw(rolloutEntry(b));
        }
        return j.endArray().toString();
    }

    static String rolloutEntry(RolloutBatch b) {
        return new Json().beginObject().field("run", b.runId()).field("step", b.step())
                .field("groups", b.groupCount()).field("samples", b.size())
                .field("time", b.scoredAt().toEpochMilli()).endObject().toString();
    }

    /**
     * One batch by group: each group's prompt, the mean and (population) standard deviation of
     * its total rewards, and its completions with their total, per-function rewards, advantage,
     * length and truncation.
     */
    static String rollouts(RolloutBatch b) {
        Json j = new Json().beginObject().field("run", b.runId()).field("step", b.step())
                .field("groupSize", b.groupSize()).name("functions").beginArray();
        b.rewardNames().forEach(j::value);
        j.endArray().name("groups").beginArray();
        int g = b.groupSize();
        for (int group = 0; group < b.groupCount(); group++) {
            double[] totals = new double[g];
            for (int k = 0; k < g; k++) {
                totals[k] = b.totalReward(group * g + k);
            }
            j.beginObject().field("index", group).field("prompt", b.prompts().get(group * g))
                    .field("mean", mean(totals)).field("std", std(totals)).name("samples").beginArray();
            for (int k = 0; k < g; k++) {
                sample(j, b, group * g + k);
            }
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }

    private static void sample(Json j, RolloutBatch b, int i) {
        j.beginObject().field("index", i).field("completion", b.completions().get(i))
                .field("total", b.totalReward(i)).name("rewards").beginObject();
        for (String f : b.rewardNames()) {
            j.field(f, b.reward(f, i));
        }
        j.endObject().field("advantage", b.advantage(i)).field("tokens", b.completionTokens(i))
                .field("truncated", b.truncated(i)).endObject();
    }

    /** Mean of the non-NaN values; NaN when there are none. */
    static double mean(double[] v) {
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Population standard deviation of the non-NaN values (what decides a zero-std group). */
    static double std(double[] v) {
        double m = mean(v);
        double sq = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sq += (x - m) * (x - m);
                n++;
            }
        }
        return n == 0 ? Double.NaN : Math.sqrt(sq / n);
    }
}
