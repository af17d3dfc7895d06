package dev.cohort.trainer.internal.checkpoint;

import java.util.Arrays;

/** A named tensor read from or written to a checkpoint: its shape and float32 values, row-major. */
public record TensorData(String name, int[] shape, float[] values) {

    public TensorData {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " (" + n + " elements) but " + values.length + " values");
        }
    }

    public long elements() {
        return values.length;
    }
}
