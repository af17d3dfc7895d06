package dev.cohort.vllm.internal.rpc;

/** A call to a worker failed: names the worker, the call id, the method and the cause. */
public final class WorkerException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Cause {
        /** The worker answered with an error reply ({@link #errorKind()}). */
        ERROR_REPLY,
        /** No reply within the deadline. */
        DEADLINE,
        /** The worker sent nothing, not even a heartbeat, for longer than the liveness timeout. */
        SILENT,
        /** The connection broke (EOF, reset, a protocol violation) or was closed. */
        CONNECTION_LOST,
        /** The worker answered, but not with what the method promises. */
        BAD_RESULT,
        /** The calling thread was interrupted. */
        INTERRUPTED
    }

    private final String workerId;
    private final long callId;
    private final String method;
    private final Cause cause;
    private final String errorKind;
    private final String reason;

    public WorkerException(String workerId, long callId, String method, Cause cause, String errorKind, String reason) {
        super("worker " + workerId + ", call " + (callId < 0 ? "-" : String.valueOf(callId)) + " (" + method + "): "
                + reason);
        this.workerId = workerId;
        this.callId = callId;
        this.method = method;
        this.cause = cause;
        this.errorKind = errorKind;
        this.reason = reason;
    }

    public String workerId() {
        return workerId;
    }

    /** The call's id on its connection; -1 when the call was never sent. */
    public long callId() {
        return callId;
    }

    public String method() {
        return method;
    }

    public Cause why() {
        return cause;
    }

    /** The error reply's kind (bad_request, version_mismatch, ...); null for other causes. */
    public String errorKind() {
        return errorKind;
    }

    /** The cause in words, without the worker and call. */
    public String reason() {
        return reason;
    }
}
