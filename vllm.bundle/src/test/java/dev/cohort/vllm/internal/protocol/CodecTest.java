package dev.cohort.vllm.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {

    private final Codec codec = new Codec();

    private Message roundTrip(Message m, boolean fromWorker) throws Exception {
        return codec.decode(codec.encode(m), fromWorker);
    }

    @Test
    void everyMessageRoundTrips() throws Exception {
        var params = codec.mapper().createObjectNode().put("n", 8);
        assertEquals(new Message.ClientHello(1, "s3cret"), roundTrip(new Message.ClientHello(1, "s3cret"), false));
        assertEquals(new Message.ClientHello(1, null), roundTrip(new Message.ClientHello(1, null), false));
        assertEquals(new Message.ClientHello(1, null, 1000), roundTrip(new Message.ClientHello(1, null, 1000), false));
        Message.WorkerHello wh = new Message.WorkerHello(1, "w1", "gpt2", 3, List.of("generate", "health"));
        assertEquals(wh, roundTrip(wh, true));
        assertEquals(new Message.Refusal("auth", "bad token"), roundTrip(new Message.Refusal("auth", "bad token"), true));
        assertEquals(new Message.Call(7, "generate", params, 30_000), roundTrip(new Message.Call(7, "generate", params, 30_000), false));
        assertEquals(Message.Reply.ok(7, params), roundTrip(Message.Reply.ok(7, params), true));
        Message.Reply err = Message.Reply.error(8, Protocol.VERSION_MISMATCH, "serving v2, asked for v1");
        assertEquals(err, roundTrip(err, true));
        assertTrue(err.failed());
        assertEquals(new Message.FireAndForget("reset_prefix_cache", params),
                roundTrip(new Message.FireAndForget("reset_prefix_cache", params), false));
        assertEquals(new Message.Event("warning", "cache busy", 2), roundTrip(new Message.Event("warning", "cache busy", 2), true));
    }

    @Test
    void badFramesAreNamed() {
        assertTrue(assertThrows(ProtocolException.class, () -> codec.decode("xyz", true)).getMessage()
                .startsWith("not JSON: Unrecognized token 'xyz'"));
        assertEquals("not a JSON object", assertThrows(ProtocolException.class, () -> codec.decode("[1]", true)).getMessage());
        assertEquals("unknown message type 'ping'",
                assertThrows(ProtocolException.class, () -> codec.decode("{\"type\":\"ping\"}", true)).getMessage());
        assertEquals("field 'id' is missing or not an integer",
                assertThrows(ProtocolException.class, () -> codec.decode("{\"type\":\"reply\",\"result\":{}}", true)).getMessage());
        assertEquals("reply 4 has neither result nor error",
                assertThrows(ProtocolException.class, () -> codec.decode("{\"type\":\"reply\",\"id\":4}", true)).getMessage());
    }

    @Test
    void framesSplitOnNewlinesAndRespectTheMaximum() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(out, codec);
        w.write(new Message.Event("log", "é ünïcode", 1));
        w.write(new Message.Event("heartbeat", "", 1));
        FrameReader r = new FrameReader(new ByteArrayInputStream(out.toByteArray()), 1 << 20);
        assertEquals(new Message.Event("log", "é ünïcode", 1), codec.decode(r.next(), true));
        assertEquals("heartbeat", ((Message.Event) codec.decode(r.next(), true)).event());
        assertNull(r.next());

        FrameReader small = new FrameReader(new ByteArrayInputStream("0123456789abcdef\n".getBytes(StandardCharsets.UTF_8)), 8);
        assertEquals("frame longer than the maximum of 8 bytes", assertThrows(ProtocolException.class, small::next).getMessage());
        FrameReader cut = new FrameReader(new ByteArrayInputStream("{\"type\"".getBytes(StandardCharsets.UTF_8)), 64);
        assertEquals("connection ended inside a frame of 7 bytes", assertThrows(ProtocolException.class, cut::next).getMessage());
    }
}
