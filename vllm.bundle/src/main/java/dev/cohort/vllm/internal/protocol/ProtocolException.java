package dev.cohort.vllm.internal.protocol;

import java.io.IOException;

/** A frame that breaks the protocol: the message says how. */
public final class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
