package dev.cohort.trainer.internal.backend;

import java.util.Arrays;

/**
 * A handle to float32 storage owned by a {@link Backend}: a name for messages, a shape, and for
 * views the storage it looks into. The numbers live wherever the backend keeps them (a Java
 * array, GPU memory); model code only passes handles to backend operations.
 */
public abstract class Tensor {

    private final String name;
    private final int[] shape;
    private final long size;

    /**
     * Flat storage of {@code elements} floats, which may exceed a Java array's (and an int
     * shape's) range on a device backend; its one dimension then reads Integer.MAX_VALUE.
     */
    protected Tensor(String name, long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': negative size " + elements);
        }
        this.name = name;
        this.shape = new int[] {(int) Math.min(elements, Integer.MAX_VALUE)};
        this.size = elements;
    }

    protected Tensor(String name, int[] shape) {
        this.name = name;
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        this.size = n;
    }

    public final String name() {
        return name;
    }

    public final int[] shape() {
        return shape.clone();
    }

    public final int dim(int i) {
        return shape[i];
    }

    public final int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public final long size() {
        return size;
    }

    /** Throws naming the tensor and both shapes unless this tensor has exactly the expected shape. */
    public final Tensor expect(int... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected));
        }
        return this;
    }

    /** Throws naming the tensor unless it has at least {@code elements} elements. */
    public final Tensor expectAtLeast(long elements, String what) {
        if (size < elements) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + size + " elements, " + what
                    + " needs " + elements);
        }
        return this;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
