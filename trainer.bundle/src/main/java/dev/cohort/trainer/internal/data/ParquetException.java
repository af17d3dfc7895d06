package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.nio.file.Path;

/** A Parquet file that cannot be read: names the file and, where there is one, the column. */
public final class ParquetException extends IOException {

    private static final long serialVersionUID = 1L;

    ParquetException(Path file, String column, String what) {
        super(file + (column == null ? "" : ": column '" + column + "'") + ": " + what);
    }

    ParquetException(Path file, String column, String what, Throwable cause) {
        super(file + (column == null ? "" : ": column '" + column + "'") + ": " + what, cause);
    }
}
