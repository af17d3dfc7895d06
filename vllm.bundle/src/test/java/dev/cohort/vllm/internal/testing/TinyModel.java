package dev.cohort.vllm.internal.testing;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;

/** Tiny GPT-2 and Qwen3 checkpoints (character vocabulary) for workers started by tests. */
public final class TinyModel {

    /** 12 characters and EOS: vocabulary 13, EOS = 12. */
    public static final String ALPHABET = "0123456789+=";
    public static final int VOCAB = ALPHABET.length() + 1;
    public static final int EOS = ALPHABET.length();

    private TinyModel() {
    }

    /** Writes config.json, model.safetensors and tokenizer.json of a fresh model initialised with {@code seed}. */
    public static Path write(Path dir, int layers, int width, long seed) throws IOException {
        ModelConfig cfg = ModelConfig.gpt2(layers, 4, width, 64, VOCAB, 1e-5f, EOS);
        try (PolicyModel m = new PolicyModel(new JavaBackend(1), cfg)) {
            ModelInit.initialize(m, seed);
            HfCheckpoint.save(m, dir, DType.F32);
        }
        TokenizerFiles.write(dir, new CharTokenizer(ALPHABET));
        return dir;
    }

    /** A tiny Qwen3-architecture checkpoint (GQA, q/k norms, rotary, SwiGLU) over the same characters. */
    public static Path writeQwen3(Path dir, long seed) throws IOException {
        ModelConfig cfg = new ModelConfig(ModelType.QWEN3, 2, 4, 2, 8, 32, 48, 64, VOCAB, 1e-6f, 1e6, null, false,
                false, false, true, true, 0, new int[] {EOS}, -1, "bfloat16", null);
        try (PolicyModel m = new PolicyModel(new JavaBackend(1), cfg)) {
            ModelInit.initialize(m, seed);
            HfCheckpoint.save(m, dir);
        }
        TokenizerFiles.write(dir, new CharTokenizer(ALPHABET));
        return dir;
    }

    public static Path write(Path dir, long seed) throws IOException {
        return write(dir, 2, 32, seed);
    }
}
