package dev.cohort.vllm.internal.rpc;

import dev.cohort.vllm.internal.protocol.Codec;
import dev.cohort.vllm.internal.protocol.FrameReader;
import dev.cohort.vllm.internal.protocol.FrameWriter;
import dev.cohort.vllm.internal.protocol.Message;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.protocol.ProtocolException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The client's side of the handshake: connect, send the hello (version, token, heartbeat
 * interval), read the worker's hello within the time limit and a small frame limit, check the
 * version. Every failure names the worker and its address.
 */
final class Handshake {

    /** A connection whose handshake succeeded. */
    record Done(Socket socket, Message.WorkerHello hello, FrameReader in, FrameWriter out) {
    }

    private Handshake() {
    }

    static Done connect(String workerId, String host, int port, String token, int timeoutMs, int maxFrame)
            throws IOException {
        String address = host + ":" + port;
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMs);
            Codec codec = new Codec();
            FrameWriter writer = new FrameWriter(socket.getOutputStream(), codec);
            FrameReader in = new FrameReader(socket.getInputStream(), Math.min(maxFrame, Protocol.MAX_HELLO_FRAME));
            writer.write(new Message.ClientHello(Protocol.VERSION, token, Protocol.HEARTBEAT_INTERVAL_MS));
            String frame = in.next();
            in.limit(maxFrame);
            Message.WorkerHello h = check(workerId, address, frame == null ? null : codec.decode(frame, true));
            socket.setSoTimeout(0);
            return new Done(socket, h, in, writer);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new IOException("worker " + workerId + " at " + address + ": no handshake within " + timeoutMs
                    + " ms", e);
        } catch (ProtocolException e) {
            socket.close();
            throw new IOException("worker " + workerId + " at " + address + ": bad hello: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static Message.WorkerHello check(String workerId, String address, Message m) throws IOException {
        String worker = "worker " + workerId + " at " + address;
        if (m == null) {
            throw new IOException(worker + " closed the connection during the handshake");
        }
        if (m instanceof Message.Refusal r) {
            throw new IOException(worker + " refused the handshake: " + r.kind() + ": " + r.message());
        }
        if (!(m instanceof Message.WorkerHello h)) {
            throw new IOException(worker + " answered the hello with a '" + m.type() + "' message");
        }
        if (h.protocol() != Protocol.VERSION) {
            throw new IOException(worker + " speaks protocol " + h.protocol() + ", the bridge " + Protocol.VERSION);
        }
        return h;
    }
}
