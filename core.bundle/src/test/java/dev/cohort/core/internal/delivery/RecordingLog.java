package dev.cohort.core.internal.delivery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A DeliveryLog that keeps every message, for tests to assert on. */
final class RecordingLog implements DeliveryLog {

    final List<String> warnings = new CopyOnWriteArrayList<>();
    final List<String> infos = new CopyOnWriteArrayList<>();

    @Override
    public void warn(String message, Throwable cause) {
        warnings.add(message);
    }

    @Override
    public void info(String message) {
        infos.add(message);
    }
}
