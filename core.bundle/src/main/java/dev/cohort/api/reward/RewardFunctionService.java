package dev.cohort.api.reward;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.CLASS;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type for {@link RewardFunction} components:
 *
 * <pre>
 * &#64;Component
 * &#64;RewardFunctionService(name = "brevity")
 * public class Brevity implements RewardFunction { ... }
 * </pre>
 */
@ComponentPropertyType
@Retention(CLASS)
@Target(TYPE)
public @interface RewardFunctionService {

    /** Prefix that maps element names to service property names. */
    String PREFIX_ = "cohort.reward.";

    /** {@link RewardFunction#NAME}: the name runs select the function by. */
    String name();
}
