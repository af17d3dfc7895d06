package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.task.AdditionTask;
import java.util.List;
import java.util.Map;

/** The built-in tasks by name: {@code builtin:addition} (two-digit addition, docs/quickstart-task.md). */
final class BuiltinTasks {

    private BuiltinTasks() {
    }

    static List<Map<String, Object>> rows(String task, boolean heldOut) {
        if (task.equals("addition")) {
            AdditionTask t = new AdditionTask();
            return heldOut ? t.heldOutRows() : t.trainRows(t.trainProblems().size());
        }
        throw new IllegalArgumentException("dataset: unknown built-in task '" + task + "'; built-in tasks: [addition]");
    }
}
