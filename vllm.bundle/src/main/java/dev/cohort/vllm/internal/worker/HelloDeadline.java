package dev.cohort.vllm.internal.worker;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The socket's input with one deadline for the whole handshake: a read timeout alone restarts
 * with every byte, so a client trickling bytes could hold the worker (which serves one client at
 * a time) for ever. Before each read the socket's timeout is set to the time left; once the
 * handshake is done, {@link #disarm()} lifts the deadline.
 */
final class HelloDeadline extends FilterInputStream {

    private final Socket socket;
    private volatile long deadlineNanos;

    HelloDeadline(Socket socket, long timeoutMs) throws IOException {
        super(socket.getInputStream());
        this.socket = socket;
        this.deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000L;
    }

    void disarm() throws IOException {
        deadlineNanos = 0;
        socket.setSoTimeout(0);
    }

    private void arm() throws IOException {
        long d = deadlineNanos;
        if (d == 0) {
            return;
        }
        long leftMs = (d - System.nanoTime()) / 1_000_000L;
        if (leftMs <= 0) {
            throw new SocketTimeoutException("the handshake's deadline passed");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMs));
    }

    @Override
    public int read() throws IOException {
        arm();
        return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        return super.read(b, off, len);
    }

    static InputStream of(Socket s, long timeoutMs) throws IOException {
        return new HelloDeadline(s, timeoutMs);
    }
}
