package dev.cohort.plugins.tensorboard;

import dev.cohort.plugins.tensorboard.proto.Event;
import dev.cohort.plugins.tensorboard.proto.SourceMetadata;
import dev.cohort.plugins.tensorboard.proto.Summary;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One TensorBoard event file, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>} (the name
 * TensorFlow's writers give, with the suffix PyTorch's SummaryWriter adds so that two writers in
 * one directory never share a file). Its first record is the {@code file_version}
 * {@value #FILE_VERSION} event; each step then appends one event with a summary of scalar values.
 * Every append opens the file, writes whole records and closes it, so what was written is on
 * disk, and no handle outlives a call.
 */
public final class EventFile {

    public static final String FILE_VERSION = "brain.Event:2";
    static final String WRITER = "dev.cohort.plugins.tensorboard";

    private final Path file;

    private EventFile(Path file) {
        this.file = file;
    }

    /** Creates a new event file in {@code dir} (created when missing), starting with the version event. */
    public static EventFile create(Path dir, double wallTime, String host, long pid, int n) throws IOException {
        Files.createDirectories(dir);
        String name = "events.out.tfevents." + (long) Math.floor(wallTime) + "." + host + "." + pid + "." + n;
        EventFile f = new EventFile(dir.resolve(name));
        Event version = Event.newBuilder().setWallTime(wallTime).setFileVersion(FILE_VERSION)
                .setSourceMetadata(SourceMetadata.newBuilder().setWriter(WRITER)).build();
        f.append(List.of(version), StandardOpenOption.CREATE_NEW);
        return f;
    }

    public Path path() {
        return file;
    }

    /** Appends the scalars of one step (NaN and infinite values are left out: TensorBoard cannot chart them). */
    public void scalars(long step, double wallTime, Map<String, Double> values) throws IOException {
        Summary.Builder s = Summary.newBuilder();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            Double v = e.getValue();
            if (v != null && Double.isFinite(v)) {
                s.addValue(Summary.Value.newBuilder().setTag(e.getKey()).setSimpleValue(v.floatValue()));
            }
        }
        append(List.of(Event.newBuilder().setWallTime(wallTime).setStep(step).setSummary(s).build()),
                StandardOpenOption.APPEND);
    }

    private void append(List<Event> events, StandardOpenOption mode) throws IOException {
        List<byte[]> records = new ArrayList<>();
        events.forEach(e -> records.add(e.toByteArray()));
        try (OutputStream out = Files.newOutputStream(file, mode, StandardOpenOption.WRITE)) {
            out.write(TfRecords.frameAll(records));
        }
    }

    /** The events of an event file, every record's CRCs checked. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] r : TfRecords.read(Files.readAllBytes(file), false)) {
            events.add(Event.parseFrom(r));
        }
        return events;
    }
}
