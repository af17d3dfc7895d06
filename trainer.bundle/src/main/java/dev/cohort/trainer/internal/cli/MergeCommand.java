package dev.cohort.trainer.internal.cli;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code merge --model BASE --adapter DIR --out DIR}: a PEFT LoRA adapter merged into its base
 * model ({@code W += scaling * B A}, as PEFT's {@code merge_and_unload}), written as a Hugging
 * Face checkpoint in the base's dtype, with the base's config and tokenizer files.
 */
final class MergeCommand {

    static final String USAGE = "merge --model BASE --adapter DIR --out DIR";

    private MergeCommand() {
    }

    /** Merges and returns a one-line report. */
    static String run(List<String> args, Backend backend) throws IOException {
        Path model = null;
        Path adapter = null;
        Path out = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i + 1 >= args.size() || !List.of("--model", "--adapter", "--out").contains(a)) {
                throw new IllegalArgumentException((List.of("--model", "--adapter", "--out").contains(a)
                        ? a + " needs a value" : "unknown option '" + a + "'") + "; usage: " + USAGE);
            }
            Path p = Path.of(args.get(++i));
            switch (a) {
                case "--model" -> model = p;
                case "--adapter" -> adapter = p;
                default -> out = p;
            }
        }
        if (model == null || adapter == null || out == null) {
            throw new IllegalArgumentException("--model, --adapter and --out are required; usage: " + USAGE);
        }
        if (Files.exists(out.resolve(HfCheckpoint.CONFIG))) {
            throw new IllegalArgumentException("--out " + out + " already holds a checkpoint; give a new directory");
        }
        try (PolicyModel m = HfCheckpoint.load(model, backend)) {
            LoraAdapter a = PeftAdapter.load(adapter, m);
            PeftAdapter.merge(m, a);
            HfCheckpoint.save(m, out);
            TokenizerFiles.write(out, TokenizerFiles.read(model, m.config().vocabSize()));
            return "merged " + a.modules().size() + " LoRA modules (r " + a.config().r() + ", " + a.targets()
                    + ") into " + out + " (" + m.config().dtype() + ")";
        }
    }
}
