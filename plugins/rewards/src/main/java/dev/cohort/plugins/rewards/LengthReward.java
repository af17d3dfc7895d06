package dev.cohort.plugins.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardFunctionService;
import dev.cohort.api.reward.RewardInput;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code length}: TRL's quick-start reward, {@code -abs(target - len(completion))}, the length in
 * characters (Unicode code points, as Python's len of a str).
 */
@Component(configurationPid = LengthReward.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LengthReward.Config.class)
@RewardFunctionService(name = "length")
public final class LengthReward implements RewardFunction {

    public static final String PID = "dev.cohort.rewards.length";

    @ObjectClassDefinition(name = "Cohort reward: length",
            description = "-abs(target - number of characters of the completion).")
    public @interface Config {
        @AttributeDefinition(description = "Target completion length in characters.")
        int target() default 20;
    }

    private final int target;

    @Activate
    public LengthReward(Config config) {
        if (config.target() < 0) {
            throw new IllegalArgumentException(PID + ": target must be >= 0, got " + config.target());
        }
        this.target = config.target();
    }

    @Override
    public double[] score(RewardInput input) {
        double[] out = new double[input.size()];
        for (int i = 0; i < out.length; i++) {
            String c = input.completions().get(i);
            out[i] = -Math.abs(target - c.codePointCount(0, c.length()));
        }
        return out;
    }
}
