package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutListener;
import java.util.Map;

/**
 * A listener service's delivery properties ({@code <prefix>name}, {@code queue.capacity},
 * {@code overflow}, {@code timeout.ms}), read under its kind's prefix. Where the kind has a
 * legacy prefix (training listeners used rollout listeners' {@code cohort.listener.*} before
 * API 1.1), a property found only there is used and reported once per listener.
 */
final class ListenerProperties {

    static final String NAME = "name";
    static final String QUEUE_CAPACITY = "queue.capacity";
    static final String OVERFLOW = "overflow";
    static final String TIMEOUT_MS = "timeout.ms";

    private final EventKind<?> kind;
    private final Map<String, ?> props;
    private final DeliveryLog log;
    private final String who;

    /** {@code who} starts every warning: "Training listener 'x' (bundle 7)". */
    ListenerProperties(EventKind<?> kind, Map<String, ?> props, DeliveryLog log, String who) {
        this.kind = kind;
        this.props = props;
        this.log = log;
        this.who = who;
    }

    /** The property's value under the kind's prefix, else under its legacy prefix; null if neither. */
    Object get(String suffix) {
        String key = kind.propertyPrefix() + suffix;
        Object value = props.get(key);
        String legacy = kind.legacyPropertyPrefix();
        if (value != null || legacy == null) {
            return value;
        }
        value = props.get(legacy + suffix);
        if (value != null) {
            log.warn(who + " sets the old service property " + legacy + suffix + "=" + value
                    + " (shared with rollout listeners); accepted for now, but use " + key
                    + " (@TrainingListenerService)", null);
        }
        return value;
    }

    int queueCapacity(int fallback) {
        long v = positive(QUEUE_CAPACITY, fallback);
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }

    long timeoutMs(long fallback) {
        return positive(TIMEOUT_MS, fallback);
    }

    boolean dropOldest() {
        Object raw = get(OVERFLOW);
        if (raw == null || RolloutListener.OVERFLOW_WAIT.equals(raw)) {
            return false;
        }
        if (RolloutListener.OVERFLOW_DROP_OLDEST.equals(raw)) {
            return true;
        }
        log.warn(who + ": service property " + kind.propertyPrefix() + OVERFLOW + "=" + raw
                + " is neither '" + RolloutListener.OVERFLOW_WAIT + "' nor '" + RolloutListener.OVERFLOW_DROP_OLDEST
                + "'; using '" + RolloutListener.OVERFLOW_WAIT + "'", null);
        return false;
    }

    /** A positive number; 0 (an annotation's default) means the fallback; anything else is reported. */
    private long positive(String suffix, long fallback) {
        Object raw = get(suffix);
        if (raw == null) {
            return fallback;
        }
        try {
            long v = raw instanceof Number ? ((Number) raw).longValue() : Long.parseLong(raw.toString().trim());
            if (v > 0) {
                return v;
            }
            if (v == 0) {
                return fallback;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        log.warn(who + ": service property " + kind.propertyPrefix() + suffix + "=" + raw
                + " is not a positive number; using " + fallback, null);
        return fallback;
    }
}
