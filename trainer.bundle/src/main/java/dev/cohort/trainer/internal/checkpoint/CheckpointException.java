package dev.cohort.trainer.internal.checkpoint;

import java.io.IOException;

/** A checkpoint file or directory that cannot be read as it is: the message says what and where. */
public final class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
