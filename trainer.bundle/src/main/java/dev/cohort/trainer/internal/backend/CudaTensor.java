package dev.cohort.trainer.internal.backend;

/**
 * A tensor of the {@link CudaBackend}: {@code size()} floats of device memory from byte address
 * {@link #address}. Views share the allocation of their base; only a base ({@link #owner} ==
 * this) is freed.
 */
final class CudaTensor extends Tensor {

    final CudaBackend backend;
    final long address;
    final CudaTensor owner;
    boolean released;

    /** A base allocation of {@code elements} floats. */
    CudaTensor(CudaBackend backend, String name, long elements, long address) {
        super(name, elements);
        this.backend = backend;
        this.address = address;
        this.owner = this;
    }

    CudaTensor(CudaBackend backend, String name, int[] shape, long address, CudaTensor owner) {
        super(name, shape);
        this.backend = backend;
        this.address = address;
        this.owner = owner == null ? this : owner;
    }
}
