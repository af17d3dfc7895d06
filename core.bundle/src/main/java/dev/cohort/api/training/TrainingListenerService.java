package dev.cohort.api.training;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.CLASS;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type for {@link TrainingListener} components:
 *
 * <pre>
 * &#64;Component
 * &#64;TrainingListenerService(name = "loss-alarm")
 * public class LossAlarm implements TrainingListener { ... }
 * </pre>
 *
 * <p>Element names map to the service properties declared on {@link TrainingListener}
 * ({@code cohort.training.listener.*}); elements left at their defaults fall back to core's
 * configured defaults (Config Admin PID {@code dev.cohort.core.metrics}).
 *
 * @since 1.1
 */
@ComponentPropertyType
@Retention(CLASS)
@Target(TYPE)
public @interface TrainingListenerService {

    /** Prefix that maps element names to service property names. */
    String PREFIX_ = "cohort.training.listener.";

    /** {@link TrainingListener#LISTENER_NAME}: stable name of the listener across updates. */
    String name();

    /** {@link TrainingListener#QUEUE_CAPACITY}; 0 means core's default. */
    int queue_capacity() default 0;

    /** {@link TrainingListener#OVERFLOW}: {@code wait} or {@code drop-oldest}. */
    String overflow() default "wait";

    /** {@link TrainingListener#TIMEOUT_MS}; 0 means core's default. */
    long timeout_ms() default 0;
}
