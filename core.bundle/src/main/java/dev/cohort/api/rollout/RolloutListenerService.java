package dev.cohort.api.rollout;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.CLASS;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type for {@link RolloutListener} components:
 *
 * <pre>
 * &#64;Component
 * &#64;RolloutListenerService(name = "reward-histogram")
 * public class RewardHistogram implements RolloutListener { ... }
 * </pre>
 *
 * <p>Element names map to the service properties declared on {@link RolloutListener}; elements
 * left at their defaults fall back to core's configured defaults.
 */
@ComponentPropertyType
@Retention(CLASS)
@Target(TYPE)
public @interface RolloutListenerService {

    /** Prefix that maps element names to service property names. */
    String PREFIX_ = "cohort.listener.";

    /** {@link RolloutListener#NAME}: stable name of the listener across updates. */
    String name();

    /** {@link RolloutListener#QUEUE_CAPACITY}; 0 means core's default. */
    int queue_capacity() default 0;

    /** {@link RolloutListener#OVERFLOW}: {@code wait} or {@code drop-oldest}. */
    String overflow() default RolloutListener.OVERFLOW_WAIT;

    /** {@link RolloutListener#TIMEOUT_MS}; 0 means core's default. */
    long timeout_ms() default 0;
}
