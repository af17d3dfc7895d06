package dev.cohort.trainer.internal.backend;

/**
 * A tensor of the {@link JavaBackend}: {@code size()} floats of a Java array from {@code offset}.
 * Views share the array of the tensor they look into. Kernels read {@link #data} and
 * {@link #offset} directly; nothing outside this package sees the class.
 */
final class ArrayTensor extends Tensor {

    final float[] data;
    final int offset;

    ArrayTensor(String name, int[] shape, float[] data, int offset) {
        super(name, shape);
        this.data = data;
        this.offset = offset;
    }

    /** Index just past the last element. */
    int end() {
        return offset + (int) size();
    }
}
