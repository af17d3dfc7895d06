package @PACKAGE@;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardFunctionService;
import dev.cohort.api.reward.RewardInput;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A reward function a run selects by name ({@code reward_funcs: [@NAME@]} in its YAML). This one
 * rewards short answers: 1.0 for a completion of at most {@code max_tokens} tokens, falling
 * linearly to 0.0 at twice that length.
 *
 * <p>The trainer calls {@link #score} once per generation batch, on its own thread, and isolates
 * it: an exception, a wrong number of values or a call past its time budget gives NaN for that
 * batch and a warning naming the function. Return {@code Double.NaN} for a sample the function
 * has no opinion on (TRL's None). Configured through Config Admin PID {@value #PID}, for
 * example in a run's YAML:
 * <pre>
 * plugins:
 *   @PACKAGE@.reward:
 *     max_tokens: 32
 * </pre>
 */
@Component(configurationPid = @CLASS@Reward.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = @CLASS@Reward.Config.class)
@RewardFunctionService(name = "@NAME@")
public class @CLASS@Reward implements RewardFunction {

    public static final String PID = "@PACKAGE@.reward";

    /**
     * The configuration. Declarative Services names a property after its method, with one
     * {@code _} read as {@code .} and {@code __} as {@code _}: {@code max__tokens()} is the
     * property {@code max_tokens}.
     */
    @ObjectClassDefinition(name = "@NAME@ reward function")
    public @interface Config {
        @AttributeDefinition(description = "Completions of at most this many tokens get the full reward.", min = "1")
        int max__tokens() default 64;
    }

    private volatile int maxTokens;

    @Activate
    public @CLASS@Reward(Config config) {
        modified(config);
    }

    /** Configuration changes are taken live, without restarting the component. */
    @Modified
    void modified(Config config) {
        if (config.max__tokens() < 1) {
            throw new IllegalArgumentException(PID + ": max_tokens must be >= 1, got " + config.max__tokens());
        }
        this.maxTokens = config.max__tokens();
    }

    @Override
    public double[] score(RewardInput input) {
        int limit = maxTokens;
        double[] rewards = new double[input.size()];
        for (int i = 0; i < rewards.length; i++) {
            int over = input.completionLength(i) - limit;
            rewards[i] = over <= 0 ? 1.0 : Math.max(0.0, 1.0 - (double) over / limit);
        }
        return rewards;
    }
}
