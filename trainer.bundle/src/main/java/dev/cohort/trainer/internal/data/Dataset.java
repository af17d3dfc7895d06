package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The dataset layer's entry: reads a run's rows from JSON lines, a Parquet file or Parquet shards
 * ({@link DatasetFiles}) and maps every one of them by a {@link DatasetSpec} before the run
 * starts, so that a bad row fails the start (with every bad row's file and line or row) and never
 * a step in the middle of the run.
 */
public final class Dataset {

    private Dataset() {
    }

    /** The mapped rows of {@code dataset} (a path or glob; see {@link DatasetFiles}). */
    public static List<DatasetRow> load(String dataset, DatasetSpec spec) throws IOException {
        return map(RawRows.read(DatasetFiles.resolve(dataset, spec.split())), spec);
    }

    /** Maps every row; all problems are reported together, each with its row's place. */
    public static List<DatasetRow> map(List<RawRow> raw, DatasetSpec spec) throws DatasetException {
        if (raw.isEmpty()) {
            throw new DatasetException("dataset: no rows");
        }
        RowMapper mapper = new RowMapper(spec);
        List<DatasetRow> rows = new ArrayList<>(raw.size());
        List<String> problems = new ArrayList<>();
        DatasetRow first = null;
        for (RawRow r : raw) {
            try {
                DatasetRow row = mapper.map(r);
                if (first == null) {
                    first = row;
                } else if (first.prompt().getClass() != row.prompt().getClass()) {
                    problems.add(r.where() + ": the prompt is " + kind(row.prompt()) + " but " + first.where()
                            + "'s is " + kind(first.prompt()) + "; a dataset's prompts are all of one format");
                }
                rows.add(row);
            } catch (IllegalArgumentException e) {
                problems.add(r.where() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw DatasetException.of(problems);
        }
        return rows;
    }

    private static String kind(Prompt p) {
        return p instanceof Prompt.Text ? "a string" : "a list of messages";
    }
}
