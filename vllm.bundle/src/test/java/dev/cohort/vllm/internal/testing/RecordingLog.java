package dev.cohort.vllm.internal.testing;

import dev.cohort.vllm.internal.rpc.BridgeLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A BridgeLog that keeps every line (and echoes it to stderr) so tests can count warnings. */
public final class RecordingLog implements BridgeLog {

    private final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void debug(String message) {
        lines.add("DEBUG " + message);
    }

    @Override
    public void info(String message) {
        lines.add("INFO " + message);
        System.err.println("INFO " + message);
    }

    @Override
    public void warn(String message) {
        lines.add("WARN " + message);
        System.err.println("WARN " + message);
    }

    /** Warnings so far, without the level. */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("WARN ")) {
                out.add(l.substring(5));
            }
        }
        return out;
    }

    public List<String> all() {
        return List.copyOf(lines);
    }

    /** Index to pass to {@link #warningsSince(int)}. */
    public int mark() {
        return lines.size();
    }

    public List<String> warningsSince(int mark) {
        List<String> out = new ArrayList<>();
        List<String> copy = List.copyOf(lines);
        for (String l : copy.subList(Math.min(mark, copy.size()), copy.size())) {
            if (l.startsWith("WARN ")) {
                out.add(l.substring(5));
            }
        }
        return out;
    }
}
