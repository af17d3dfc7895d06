package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Heads;
import java.util.Arrays;

/**
 * Shape and options of a policy model, as a Hugging Face config.json describes it (read and
 * written by {@link ConfigJson}; named sizes in {@link NamedModels}). GPT-2 models have GPT-2's
 * block; the Llama family ({@link ModelType#llamaBlock()}) is configured by the options:
 * grouped-query attention ({@code nKvHead}), an explicit head size ({@code headDim}), q/k/v
 * biases (Qwen2, Llama's attention_bias), an o_proj bias (Llama's attention_bias), MLP biases
 * (Llama's mlp_bias), per-head q/k RMSNorm (Qwen3), a tied or separate LM head, Mistral's
 * sliding window (sequences longer than it are refused), and rotary embeddings with
 * {@code ropeTheta} and optional Llama 3 scaling.
 *
 * @param eosTokenIds every id that ends a sequence (the first is the tokenizer's EOS)
 * @param bosTokenId -1 when the config names none
 * @param dtype the weights' dtype in the source checkpoint ("float32", "bfloat16", "float16")
 * @param sourceJson the config.json it was read from, written back as it was (null when made here)
 */
public record ModelConfig(ModelType type, int nLayer, int nHead, int nKvHead, int headDim, int nEmbd,
        int intermediate, int nPositions, int vocabSize, float normEps, double ropeTheta, RopeScaling ropeScaling,
        boolean qkvBias, boolean outBias, boolean mlpBias, boolean qkNorm, boolean tiedEmbeddings,
        int slidingWindow, int[] eosTokenIds, int bosTokenId, String dtype, String sourceJson) {

    public ModelConfig {
        positive("num_hidden_layers (n_layer)", nLayer);
        positive("num_attention_heads (n_head)", nHead);
        positive("num_key_value_heads", nKvHead);
        positive("head_dim", headDim);
        positive("hidden_size (n_embd)", nEmbd);
        positive("intermediate_size", intermediate);
        positive("max_position_embeddings (n_positions)", nPositions);
        positive("vocab_size", vocabSize);
        if (nHead % nKvHead != 0) {
            throw new IllegalArgumentException("num_attention_heads " + nHead + " is not a multiple of"
                    + " num_key_value_heads " + nKvHead);
        }
        if (!type.llamaBlock() && nEmbd != nHead * headDim) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not a multiple of n_head " + nHead);
        }
        if (type.llamaBlock() && headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " is odd; rotary embeddings need an even one");
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException((type.llamaBlock() ? "rms_norm_eps" : "layer_norm_epsilon")
                    + " must be > 0, got " + normEps);
        }
        if (type.llamaBlock() && !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        }
        if (eosTokenIds.length == 0) {
            throw new IllegalArgumentException("eos_token_id is missing");
        }
        for (int id : eosTokenIds) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("eos_token_id " + id + " is outside the vocabulary of " + vocabSize);
            }
        }
        eosTokenIds = eosTokenIds.clone();
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + v);
        }
    }

    /** A GPT-2 shape: n_layer, n_head, n_embd, n_positions, vocab_size, layer_norm_epsilon, eos id. */
    public static ModelConfig gpt2(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, float eps,
            int eos) {
        if (nHead <= 0 || nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not a multiple of n_head " + nHead);
        }
        return new ModelConfig(ModelType.GPT2, nLayer, nHead, nHead, nEmbd / nHead, nEmbd, 4 * nEmbd, nPositions,
                vocabSize, eps, 0, null, true, true, true, false, true, 0, new int[] {eos}, eos, "float32", null);
    }

    /** GPT-2 small (124M). */
    public static ModelConfig gpt2() {
        return NamedModels.config("gpt2");
    }

    /** A named random initialisation's shape (see {@link NamedModels}). */
    public static ModelConfig named(String size) {
        return NamedModels.config(size);
    }

    /** Whether {@code name} is a named shape rather than a path. */
    public static boolean isNamed(String name) {
        return NamedModels.known(name);
    }

    /** This shape with another vocabulary and EOS (named sizes over a task's own tokenizer). */
    public ModelConfig withVocabulary(int vocab, int eos) {
        return new ModelConfig(type, nLayer, nHead, nKvHead, headDim, nEmbd, intermediate, nPositions, vocab, normEps,
                ropeTheta, ropeScaling, qkvBias, outBias, mlpBias, qkNorm, tiedEmbeddings, slidingWindow,
                new int[] {eos}, bosTokenId < vocab ? bosTokenId : -1, dtype, null);
    }

    /** The attention heads of a block. */
    public Heads heads() {
        return new Heads(nHead, nKvHead, headDim);
    }

    public int headSize() {
        return headDim;
    }

    /** GPT-2's name for the norm epsilon; RMSNorm's for the Llama family. */
    public float layerNormEpsilon() {
        return normEps;
    }

    /** The first EOS id. */
    public int eosTokenId() {
        return eosTokenIds[0];
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    /** Width of a block's MLP hidden layer (after the activation). */
    public int mlpWidth() {
        return intermediate;
    }

    /** Width of the MLP's first product: the hidden layer, twice for SwiGLU's gate and up halves. */
    public int mlpInWidth() {
        return type.llamaBlock() ? 2 * intermediate : intermediate;
    }

    /** Rotary inverse frequencies (head size / 2); null for GPT-2. */
    public float[] inverseFrequencies() {
        return type.llamaBlock() ? RopeScaling.inverseFrequencies(headDim, ropeTheta, ropeScaling) : null;
    }

    /** Refuses a sequence longer than the model's positions or Mistral's sliding window. */
    public void checkLength(int tokens) {
        if (tokens > nPositions) {
            throw new IllegalArgumentException("a sequence of " + tokens + " tokens is longer than "
                    + (type.llamaBlock() ? "max_position_embeddings " : "n_positions ") + nPositions);
        }
        if (slidingWindow > 0 && tokens > slidingWindow) {
            throw new IllegalArgumentException("a sequence of " + tokens + " tokens is longer than the model's"
                    + " sliding_window " + slidingWindow + "; Cohort attends over whole sequences, so it refuses"
                    + " longer ones rather than change the model's attention");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig m && type == m.type && nLayer == m.nLayer && nHead == m.nHead
                && nKvHead == m.nKvHead && headDim == m.headDim && nEmbd == m.nEmbd && intermediate == m.intermediate
                && nPositions == m.nPositions && vocabSize == m.vocabSize && normEps == m.normEps
                && ropeTheta == m.ropeTheta && java.util.Objects.equals(ropeScaling, m.ropeScaling)
                && qkvBias == m.qkvBias && outBias == m.outBias && mlpBias == m.mlpBias && qkNorm == m.qkNorm
                && tiedEmbeddings == m.tiedEmbeddings && slidingWindow == m.slidingWindow
                && Arrays.equals(eosTokenIds, m.eosTokenIds) && bosTokenId == m.bosTokenId;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, nLayer, nHead, nKvHead, headDim, nEmbd, intermediate, nPositions,
                vocabSize, Arrays.hashCode(eosTokenIds));
    }

    @Override
    public String toString() {
        return type.hfName() + "(layers " + nLayer + ", hidden " + nEmbd + ", " + heads() + ", mlp " + intermediate
                + ", vocab " + vocabSize + ", positions " + nPositions + ")";
    }
}
