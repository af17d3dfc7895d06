package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.data.Dataset;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.data.DatasetSpec;
import dev.cohort.trainer.internal.data.RawRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rows of a run's dataset: JSON lines, a Parquet file, Parquet shards (a directory or a glob),
 * or a built-in task ({@code builtin:<task>}), each row checked and mapped by the run's
 * {@link DatasetSpec} before the run starts (package {@code dev.cohort.trainer.internal.data}).
 */
final class Datasets {

    private Datasets() {
    }

    /** The mapped rows of {@code dataset} ({@code heldOut}: of {@code eval_dataset}). */
    static List<DatasetRow> load(RunConfig c, boolean heldOut) throws IOException {
        String dataset = heldOut ? c.evalDataset() : c.dataset();
        DatasetSpec spec = c.datasetSpec(heldOut);
        if (dataset.startsWith("builtin:")) {
            List<Map<String, Object>> rows = BuiltinTasks.rows(dataset.substring("builtin:".length()), heldOut);
            List<RawRow> raw = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                raw.add(new RawRow(dataset + " row " + i, rows.get(i)));
            }
            return Dataset.map(raw, spec);
        }
        return Dataset.load(dataset, spec);
    }

    /** The rows as maps, the prompt in {@code promptField}; for a built-in task, its training or held-out split. */
    static List<Map<String, Object>> rows(String dataset, String promptField, boolean heldOut) throws IOException {
        if (dataset.startsWith("builtin:")) {
            return BuiltinTasks.rows(dataset.substring("builtin:".length()), heldOut);
        }
        return Dataset.load(dataset, DatasetSpec.plain(promptField)).stream().map(DatasetRow::fields).toList();
    }
}
