package dev.cohort.trainer.internal.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Rows of a run's dataset: a JSON-lines file, or a built-in task ({@code builtin:<task>}). */
final class Datasets {

    private Datasets() {
    }

    /** The rows; for a built-in task, its training split or ({@code heldOut}) its held-out split. */
    static List<Map<String, Object>> rows(String dataset, String promptField, boolean heldOut) throws IOException {
        if (dataset.startsWith("builtin:")) {
            return BuiltinTasks.rows(dataset.substring("builtin:".length()), heldOut);
        }
        return PromptSource.readJsonl(Path.of(dataset), promptField);
    }
}
