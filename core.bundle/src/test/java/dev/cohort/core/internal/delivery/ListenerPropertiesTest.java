package dev.cohort.core.internal.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.training.TrainingListener;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training listeners have their own property names; the old shared ones still work, with a warning. */
class ListenerPropertiesTest {

    private final RecordingLog log = new RecordingLog();

    private final List<String> warnings = log.warnings;

    @Test
    void apiConstantsAreThePrefixedNames() {
        assertEquals(EventKind.ROLLOUTS.propertyPrefix() + ListenerProperties.NAME, RolloutListener.NAME);
        assertEquals(EventKind.ROLLOUTS.propertyPrefix() + ListenerProperties.QUEUE_CAPACITY, RolloutListener.QUEUE_CAPACITY);
        assertEquals(EventKind.ROLLOUTS.propertyPrefix() + ListenerProperties.OVERFLOW, RolloutListener.OVERFLOW);
        assertEquals(EventKind.ROLLOUTS.propertyPrefix() + ListenerProperties.TIMEOUT_MS, RolloutListener.TIMEOUT_MS);
        assertEquals(EventKind.METRICS.propertyPrefix() + ListenerProperties.NAME, TrainingListener.LISTENER_NAME);
        assertEquals(EventKind.METRICS.propertyPrefix() + ListenerProperties.QUEUE_CAPACITY, TrainingListener.QUEUE_CAPACITY);
        assertEquals(EventKind.METRICS.propertyPrefix() + ListenerProperties.OVERFLOW, TrainingListener.OVERFLOW);
        assertEquals(EventKind.METRICS.propertyPrefix() + ListenerProperties.TIMEOUT_MS, TrainingListener.TIMEOUT_MS);
        assertFalse(TrainingListener.LISTENER_NAME.equals(RolloutListener.NAME));
    }

    @Test
    void trainingListenerReadsItsOwnProperties() {
        Map<String, Object> props = Map.of(TrainingListener.LISTENER_NAME, "alarm", TrainingListener.QUEUE_CAPACITY, 9,
                TrainingListener.OVERFLOW, "drop-oldest", TrainingListener.TIMEOUT_MS, 77L,
                RolloutListener.QUEUE_CAPACITY, 3);
        ListenerIdentity id = ListenerIdentities.of(props, log, EventKind.METRICS, 5, 7, "1");
        ListenerProperties p = new ListenerProperties(EventKind.METRICS, props, log, "who");
        assertEquals("alarm", id.name());
        assertEquals(9, p.queueCapacity(256));
        assertTrue(p.dropOldest());
        assertEquals(77, p.timeoutMs(30_000));
        assertEquals(List.of(), warnings);
    }

    @Test
    void trainingListenerWithTheOldSharedNameIsAcceptedWithAWarning() {
        Map<String, Object> props = Map.of(TrainingListener.NAME, "old-style", "cohort.listener.timeout.ms", 50L);
        ListenerIdentity id = ListenerIdentities.of(props, log, EventKind.METRICS, 5, 7, "1");
        assertEquals("old-style", id.name());
        assertEquals(50, new ListenerProperties(EventKind.METRICS, props, log, "Training listener 'old-style'").timeoutMs(30_000));
        assertEquals(2, warnings.size(), warnings.toString());
        assertEquals("Training listener service 5 of bundle 7 sets the old service property cohort.listener.name=old-style"
                + " (shared with rollout listeners); accepted for now, but use cohort.training.listener.name"
                + " (@TrainingListenerService)", warnings.get(0));
    }

    @Test
    void rolloutListenerDoesNotReadTrainingProperties() {
        Map<String, Object> props = Map.of(TrainingListener.LISTENER_NAME, "t");
        ListenerIdentity id = ListenerIdentities.of(props, log, EventKind.ROLLOUTS, 5, 7, "1");
        assertEquals("service-5", id.name());
        assertTrue(warnings.get(0).contains("has no cohort.listener.name property"), warnings.toString());
    }
}
