package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LoRA adapters of a {@link PolicyModel} (PEFT's semantics): for each targeted module, A (r, in)
 * and B (out, r) in one flat fp32 buffer, and the module's output becomes
 * {@code W x + B A dropout(x) * scaling}. A starts Kaiming-uniform with a = sqrt(5), that is
 * uniform(-1/sqrt(in), 1/sqrt(in)), as {@code nn.init.kaiming_uniform_} gives PEFT's lora_A; B
 * starts at zero, so a new adapter leaves the model's outputs unchanged. Dropout acts on the
 * adapter's input in training forwards only, with a mask drawn from a seed per forward and
 * module, so the backward (and gradient checkpointing's recomputation) sees the same mask.
 */
public final class LoraAdapter implements AutoCloseable {

    private final Backend be;
    private final LoraConfig config;
    private final List<LoraModules.Module> modules;
    private final List<String> targets;
    private final Tensor params;
    private final Tensor[] a;
    private final Tensor[] b;
    private final long[] offsets;
    private Tensor grads;
    private Tensor[] da;
    private Tensor[] db;
    private final LoraActivations acts;
    private final float scale;
    private final long seed;
    private long forwards;
    private long forwardSeed;

    /** New adapters for {@code model}'s configuration, A drawn from {@code seed}, B zero. */
    public LoraAdapter(Backend be, ModelConfig cfg, LoraConfig config, long seed) {
        this.be = be;
        this.config = config;
        this.targets = LoraModules.targets(cfg, config.targetModules());
        this.modules = LoraModules.of(cfg, targets);
        this.seed = seed;
        this.scale = (float) config.scaling();
        int r = config.r();
        offsets = new long[modules.size() + 1];
        for (int i = 0; i < modules.size(); i++) {
            LoraModules.Module m = modules.get(i);
            offsets[i + 1] = offsets[i] + (long) r * m.in() + (long) m.out() * r;
        }
        params = be.allocate("lora", offsets[modules.size()]);
        a = new Tensor[modules.size()];
        b = new Tensor[modules.size()];
        views(params, a, b, "lora");
        acts = new LoraActivations(be, modules, r);
        initialise(seed);
    }

    private void views(Tensor flat, Tensor[] as, Tensor[] bs, String prefix) {
        int r = config.r();
        for (int i = 0; i < modules.size(); i++) {
            LoraModules.Module m = modules.get(i);
            as[i] = be.view(flat, prefix + ":" + m.key(true), offsets[i], r, m.in());
            bs[i] = be.view(flat, prefix + ":" + m.key(false), offsets[i] + (long) r * m.in(), m.out(), r);
        }
    }

    private void initialise(long seed) {
        for (int i = 0; i < modules.size(); i++) {
            LoraModules.Module m = modules.get(i);
            float[] v = new float[config.r() * m.in()];
            double bound = 1 / Math.sqrt(m.in());
            SplittableRandom rnd = new SplittableRandom(SplitMix.seed(seed, i));
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) ((2 * rnd.nextDouble() - 1) * bound);
            }
            be.write(a[i], v);
        }
    }

    public LoraConfig config() {
        return config;
    }

    /** The resolved target module names (PEFT's {@code target_modules} as saved). */
    public List<String> targets() {
        return targets;
    }

    public List<LoraModules.Module> modules() {
        return modules;
    }

    /** All adapter parameters, one flat buffer (the optimizer's). */
    public Tensor params() {
        return params;
    }

    /** Their gradients, allocated on first use. */
    public Tensor grads() {
        if (grads == null) {
            grads = be.allocate("lora.grads", params.size());
            da = new Tensor[modules.size()];
            db = new Tensor[modules.size()];
            views(grads, da, db, "lora.grads");
        }
        return grads;
    }

    /** Module i's A (r, in) or B (out, r). */
    public Tensor weight(int i, boolean isA) {
        return isA ? a[i] : b[i];
    }

    /** Starts a training forward: a new dropout mask for every module. */
    void beginTrainingForward() {
        forwardSeed = SplitMix.seed(seed ^ 0x5DEECE66DL, (int) forwards) ^ forwards++;
    }

    /**
     * Sets the count of training forwards, from which each forward's dropout masks derive: the
     * same count gives the same masks (tests; a resumed run continues the count it saved).
     */
    public void trainingForwards(long count) {
        forwards = count;
    }

    public long trainingForwards() {
        return forwards;
    }

    /** Adds the adapters of product p of block l to its output out (rows, width) from its input inp. */
    void forward(int l, LoraModules.Product p, Tensor out, Tensor inp, int rows, boolean training) {
        for (int i : acts.modulesOf(l, p)) {
            LoraModules.Module m = modules.get(i);
            Tensor x = input(i, inp, rows, training);
            Tensor h = training ? acts.hidden(i, rows) : acts.scratchHidden(rows);
            be.loraForward(out, m.width(), m.col(), h, x, a[i], b[i], rows, m.in(), config.r(), m.out(), scale);
        }
    }

    /** The backward of {@link #forward} (a training one): accumulates dA, dB and dinp. */
    void backward(int l, LoraModules.Product p, Tensor dinp, Tensor dout, Tensor inp, int rows) {
        grads();
        for (int i : acts.modulesOf(l, p)) {
            LoraModules.Module m = modules.get(i);
            Tensor x = input(i, inp, rows, true);
            boolean drop = config.dropout() > 0;
            Tensor dx = drop ? acts.dropGrad(rows, m.in()) : dinp;
            be.loraBackward(dx, da[i], db[i], acts.scratchHidden(rows), dout, m.width(), m.col(), x,
                    acts.hidden(i, rows), a[i], b[i], rows, m.in(), config.r(), m.out(), scale);
            if (drop) {
                be.dropoutBackward(dinp, dx, (long) rows * m.in(), (float) config.dropout(), dropSeed(i));
            }
        }
    }

    /** The adapter's input: inp, or in training with dropout, its dropped copy (recomputed from the seed). */
    private Tensor input(int i, Tensor inp, int rows, boolean training) {
        if (!training || config.dropout() == 0) {
            return inp;
        }
        int in = modules.get(i).in();
        Tensor x = acts.dropped(rows, in);
        be.dropoutForward(x, inp, (long) rows * in, (float) config.dropout(), dropSeed(i));
        return x;
    }

    private long dropSeed(int module) {
        return SplitMix.seed(forwardSeed, module);
    }

    @Override
    public void close() {
        acts.close();
        be.release(params);
        if (grads != null) {
            be.release(grads);
        }
    }
}
