package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.util.List;

/** A dataset that cannot be used: every problem found, one per line, each naming file and row. */
public final class DatasetException extends IOException {

    private static final long serialVersionUID = 1L;
    static final int MAX_LISTED = 20;

    DatasetException(String message) {
        super(message);
    }

    /** The first {@value #MAX_LISTED} problems, then how many more there are. */
    public static DatasetException of(List<String> problems) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(problems.size(), MAX_LISTED); i++) {
            b.append(i == 0 ? "" : "\n").append(problems.get(i));
        }
        if (problems.size() > MAX_LISTED) {
            b.append("\n... and ").append(problems.size() - MAX_LISTED).append(" more problems");
        }
        return new DatasetException(b.toString());
    }
}
