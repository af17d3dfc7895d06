package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A validated run, ready to train: its settings, backend (with {@code backendInfo}, the line that
 * says which and why), model (and reference model when beta > 0), tokenizer, prompts, held-out
 * rows (with their prompts: {@code evalPrompts}, null when there are none), the Config Admin
 * properties of its plugins and {@code modelInfo}, the line that says which model was loaded, and {@code namingNote}: why the run's
 * id is not its run_name (another run has that name; null otherwise).
 */
record PreparedRun(TrainerSettings settings, Backend backend, String backendInfo, PolicyModel model,
        PolicyModel reference, Tokenizer tok,
        PromptSource prompts, List<Map<String, Object>> evalRows, PromptSource evalPrompts, String engineName,
        Map<String, Map<String, Object>> plugins, Map<String, Object> config, Path resumeFrom, String modelInfo,
        String namingNote)
        implements AutoCloseable {

    boolean embedded() {
        return engineName.equals("embedded");
    }

    @Override
    public void close() {
        model.close();
        if (reference != null && reference != model) {
            reference.close();
        }
        backend.close();
    }
}
