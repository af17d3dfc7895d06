package dev.cohort.trainer.internal.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Micro-batch samples [from, to) as padded token rows: prompt then completion; the target at
 * position p is the token at p + 1 where that token is a completion token, else -1.
 */
final class TokenLayout {
    final int b;
    final int t;
    final int tc;
    final int[] tokens;
    final int[] targets;
    final int[] promptLength;
    final int[] completionLength;
    final boolean[] mask;

    TokenLayout(Rollouts r, int from, int to) {
        b = to - from;
        int maxT = 1;
        int maxC = 1;
        promptLength = new int[b];
        completionLength = new int[b];
        for (int s = 0; s < b; s++) {
            promptLength[s] = r.promptIds().get(from + s).length;
            completionLength[s] = r.completionIds().get(from + s).length;
            maxT = Math.max(maxT, promptLength[s] + completionLength[s]);
            maxC = Math.max(maxC, completionLength[s]);
        }
        t = maxT;
        tc = maxC;
        tokens = new int[b * t];
        targets = new int[b * t];
        mask = new boolean[b * tc];
        Arrays.fill(targets, -1);
        for (int s = 0; s < b; s++) {
            int[] p = r.promptIds().get(from + s);
            int[] c = r.completionIds().get(from + s);
            System.arraycopy(p, 0, tokens, s * t, p.length);
            System.arraycopy(c, 0, tokens, s * t + p.length, c.length);
            for (int j = 0; j < c.length; j++) {
                targets[s * t + p.length + j - 1] = c[j];
                mask[s * tc + j] = true;
            }
        }
    }

    /** Log-probs by completion token, (b, tc), from log-probs by position, (b, t). */
    double[] gather(float[] byPosition) {
        double[] out = new double[b * tc];
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < completionLength[s]; j++) {
                out[s * tc + j] = byPosition[s * t + promptLength[s] + j - 1];
            }
        }
        return out;
    }

    /** The inverse of gather for gradients: (b, tc) to (b, t), zero elsewhere. */
    float[] scatter(double[] byCompletion) {
        float[] out = new float[b * t];
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < completionLength[s]; j++) {
                out[s * t + promptLength[s] + j - 1] = (float) byCompletion[s * tc + j];
            }
        }
        return out;
    }

    /** Per-sample completion values (one per completion token) as (b, tc), zero in the padding. */
    double[] gatherSamples(List<?> perSample, int from) {
        double[] out = new double[b * tc];
        for (int s = 0; s < b; s++) {
            Object v = perSample.get(from + s);
            for (int j = 0; j < completionLength[s]; j++) {
                out[s * tc + j] = v instanceof float[] f ? f[j] : ((double[]) v)[j];
            }
        }
        return out;
    }

    /** One double[] per sample, its completion tokens' values, from (b, tc). */
    List<double[]> split(double[] byCompletion) {
        List<double[]> out = new ArrayList<>(b);
        for (int s = 0; s < b; s++) {
            out.add(Arrays.copyOfRange(byCompletion, s * tc, s * tc + completionLength[s]));
        }
        return out;
    }
}
