package dev.cohort.trainer.internal.backend;

/** Argument checks of {@link CheckedBackend}; each message names the argument, the value and the limit. */
final class Shapes {

    private Shapes() {
    }

    static void positive(int value, String what) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /** {@code a * b}, both non-negative, small enough for one Java array. */
    static long product(long a, long b, String what) {
        if (a < 0 || b < 0) {
            throw new IllegalArgumentException(what + ": negative dimension (" + a + ", " + b + ")");
        }
        long p = a * b;
        if (b != 0 && (p / b != a || p > JavaBackend.MAX_ELEMENTS)) {
            throw new IllegalArgumentException(what + " = " + a + " * " + b + " exceeds " + JavaBackend.MAX_ELEMENTS
                    + " elements");
        }
        return p;
    }

    /** Checks B and T of an attention op and returns B*T (small enough that B*T*qkvWidth fits too). */
    static long attention(int b, int t, Heads heads, String what) {
        long bt = product(b, t, what + " B*T");
        product(bt, heads.qkvWidth(), what + " B*T*qkvWidth");
        return bt;
    }

    /** Rotary embeddings need an even head size and non-negative positions. */
    static void rotary(Heads heads, int[] positions, int n, String what) {
        if (heads.size() % 2 != 0) {
            throw new IllegalArgumentException(what + ": head size " + heads.size() + " is odd; rotary embeddings"
                    + " pair element i with i + size/2");
        }
        rows(positions.length, n, what + " positions");
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0) {
                throw new IllegalArgumentException(what + ": positions[" + i + "] = " + positions[i] + " is negative");
            }
        }
    }

    /** Number of slots of a cache (slots, NKV, maxT, head size), c = NKV * head size. */
    static long slots(Tensor cache, int maxT, int c) {
        positive(maxT, "maxT");
        positive(c, "C");
        return cache.size() / ((long) maxT * c);
    }

    /** Every one of the first n ids lies in [0, limit), the rows of {@code table}. */
    static void ids(int[] ids, int n, long limit, String what, Tensor table) {
        rows(ids.length, n, what);
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= limit) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + ids[i] + " is outside [0, " + limit
                        + ") for tensor '" + table.name() + "'");
            }
        }
    }

    /** Targets below V; negative targets mark rows to skip. */
    static void targets(int[] targets, int n, int v, String what) {
        rows(targets.length, n, what + " targets");
        for (int i = 0; i < n; i++) {
            if (targets[i] >= v) {
                throw new IllegalArgumentException(what + " targets[" + i + "] = " + targets[i] + " is not below V = "
                        + v);
            }
        }
    }

    /** Checks rows and vocabulary of a log-prob op and returns N*V. */
    static long logits(int n, int v, float temperature, String what) {
        positive(v, what + " V");
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(what + ": temperature must be positive and finite, got " + temperature);
        }
        return product(n, v, what + " N*V");
    }

    static long sampling(int n, int v, float temperature, int topK, float topP, float minP) {
        positive(v, "sample V");
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("sample: temperature must be >= 0 and finite, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("sample: topK must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("sample: topP must be in (0, 1] (1 = off), got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("sample: minP must be in [0, 1] (0 = off), got " + minP);
        }
        return product(n, v, "sample n*V");
    }

    static void rows(float[] a, int n, String what) {
        rows(a.length, n, what);
    }

    static void rows(int[] a, int n, String what) {
        rows(a.length, n, what);
    }

    static void rows(long[] a, int n, String what) {
        rows(a.length, n, what);
    }

    private static void rows(int length, int n, String what) {
        if (n < 0) {
            throw new IllegalArgumentException(what + ": negative row count " + n);
        }
        if (length < n) {
            throw new IllegalArgumentException(what + " has " + length + " entries, needs one per row (" + n + ")");
        }
    }
}
