package dev.cohort.trainer.internal.model;

/**
 * Llama 3's frequency-dependent rotary scaling ({@code rope_scaling.rope_type: llama3}), as
 * transformers' {@code _compute_llama3_parameters}: wavelengths above
 * {@code original_max_position_embeddings / low_freq_factor} are divided by {@code factor},
 * those below {@code original_max_position_embeddings / high_freq_factor} kept, and the band
 * between interpolated.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions <= 0) {
            throw new IllegalArgumentException("rope_scaling llama3 needs factor > 0, 0 < low_freq_factor <"
                    + " high_freq_factor and original_max_position_embeddings > 0; got factor " + factor
                    + ", low_freq_factor " + lowFreqFactor + ", high_freq_factor " + highFreqFactor
                    + ", original_max_position_embeddings " + originalMaxPositions);
        }
    }

    /** Rotary inverse frequencies (head size / 2) for {@code theta}, scaled when {@code scaling} is not null. */
    public static float[] inverseFrequencies(int headSize, double theta, RopeScaling scaling) {
        float[] inv = new float[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headSize;
            inv[i] = 1f / (float) Math.pow(theta, exponent);
        }
        if (scaling != null) {
            scaling.apply(inv);
        }
        return inv;
    }

    private void apply(float[] inv) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            float f = inv[i];
            double wavelen = 2 * Math.PI / f;
            float scaled = wavelen > lowFreqWavelen ? (float) (f / factor) : f;
            if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                scaled = (float) ((1 - smooth) * scaled / factor + smooth * scaled);
            }
            inv[i] = scaled;
        }
    }
}
