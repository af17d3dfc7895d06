package dev.cohort.trainer.internal.run;

import java.util.List;
import java.util.Map;

/** The built-in tasks by name. */
final class BuiltinTasks {

    private BuiltinTasks() {
    }

    static List<Map<String, Object>> rows(String task, boolean heldOut) {
        throw new IllegalArgumentException("dataset: unknown built-in task '" + task + "'; built-in tasks: []");
    }
}
