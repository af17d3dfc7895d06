package dev.cohort.trainer.internal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code merge} writes a checkpoint whose greedy completions equal the base model's with the
 * adapter applied unmerged ({@code generate --adapter}), in the base's dtype, with its tokenizer.
 */
class MergeCommandTest {

    @TempDir
    Path dir;

    private static final CharTokenizer TOK = new CharTokenizer("abcdefgh ");

    /** A one-layer qwen2 checkpoint in dtype, and a trained-looking adapter (B not zero) for it. */
    private Path base(JavaBackend be, DType dtype) throws Exception {
        Path d = dir.resolve("base-" + dtype);
        ModelConfig cfg = new ModelConfig(ModelType.QWEN2, 2, 2, 1, 8, 16, 24, 64, TOK.vocabSize(), 1e-6f, 1e4, null,
                true, false, false, false, true, 0, new int[] {TOK.eos()}, -1, "float32", null);
        try (PolicyModel m = new PolicyModel(be, cfg)) {
            ModelInit.initialize(m, 3);
            HfCheckpoint.save(m, d, dtype);
            TokenizerFiles.write(d, TOK);
        }
        return d;
    }

    private Path adapter(JavaBackend be, Path base) throws Exception {
        Path d = dir.resolve("adapter");
        try (PolicyModel m = HfCheckpoint.load(base, be)) {
            LoraAdapter a = new LoraAdapter(be, m.config(), new LoraConfig(4, 8, 0, List.of("all-linear"), false), 1);
            float[] v = new float[(int) a.params().size()];
            Random r = new Random(2);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian() * 0.5f;
            }
            be.write(a.params(), v);
            m.attach(a);
            PeftAdapter.save(m, d, base.toString());
        }
        return d;
    }

    private static JsonNode generate(Generator g, Path model, Path adapter) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--model", model.toString(), "--prompt", "abc dd",
                "--greedy", "--max-new-tokens", "12", "--json"));
        if (adapter != null) {
            args.addAll(List.of("--adapter", adapter.toString()));
        }
        return new ObjectMapper().readTree(g.run(GenerateRequest.parse(args)));
    }

    @Test
    void theMergedCheckpointGeneratesAsTheAdaptedBase() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            Path base = base(be, DType.F32);
            Path adapter = adapter(be, base);
            Path out = dir.resolve("merged");
            MergeCommand.run(List.of("--model", base.toString(), "--adapter", adapter.toString(), "--out",
                    out.toString()), be);
            Generator g = new Generator(be);
            JsonNode adapted = generate(g, base, adapter);
            JsonNode merged = generate(g, out, null);
            assertEquals(adapted.get("completion_ids"), merged.get("completion_ids"));
            for (int i = 0; i < adapted.get("logprobs").size(); i++) {
                assertEquals(adapted.get("logprobs").get(i).asDouble(), merged.get("logprobs").get(i).asDouble(), 1e-4);
            }
            JsonNode plain = generate(g, base, null);
            assertEquals(false, plain.get("logprobs").equals(adapted.get("logprobs")), "the adapter changes the model");
            assertArrayEquals(Files.readAllBytes(base.resolve("tokenizer.json")),
                    Files.readAllBytes(out.resolve("tokenizer.json")));
        }
    }

    @Test
    void theMergedCheckpointKeepsTheBasesDtypeAndErrorsNameTheOption() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            Path base = base(be, DType.BF16);
            Path adapter = adapter(be, base);
            Path out = dir.resolve("merged-bf16");
            MergeCommand.run(List.of("--model", base.toString(), "--adapter", adapter.toString(), "--out",
                    out.toString()), be);
            assertEquals("bfloat16", HfCheckpoint.config(out).dtype());
            assertEquals("--out " + out + " already holds a checkpoint; give a new directory",
                    assertThrows(IllegalArgumentException.class, () -> MergeCommand.run(List.of("--model",
                            base.toString(), "--adapter", adapter.toString(), "--out", out.toString()), be)).getMessage());
            assertEquals("--model, --adapter and --out are required; usage: " + MergeCommand.USAGE,
                    assertThrows(IllegalArgumentException.class,
                            () -> MergeCommand.run(List.of("--model", base.toString()), be)).getMessage());
        }
    }
}
