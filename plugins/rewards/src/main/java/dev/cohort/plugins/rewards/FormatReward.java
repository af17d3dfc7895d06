package dev.cohort.plugins.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardFunctionService;
import dev.cohort.api.reward.RewardInput;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code format}: 1 when the completion matches a regular expression, else 0. */
@Component(configurationPid = FormatReward.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = FormatReward.Config.class)
@RewardFunctionService(name = "format")
public final class FormatReward implements RewardFunction {

    public static final String PID = "dev.cohort.rewards.format";

    /** The R1-style layout TRL's examples reward: reasoning in think tags, then the answer. */
    public static final String DEFAULT_PATTERN = "^\\s*<think>.*?</think>\\s*<answer>.*?</answer>\\s*$";

    @ObjectClassDefinition(name = "Cohort reward: format",
            description = "Rewards completions that match a regular expression (Java syntax, DOTALL).")
    public @interface Config {
        @AttributeDefinition(description = "Regular expression (Java syntax; . matches new lines).")
        String pattern() default DEFAULT_PATTERN;

        @AttributeDefinition(description = "full: the whole completion must match; find: a match anywhere.",
                options = {@org.osgi.service.metatype.annotations.Option(value = "full"),
                    @org.osgi.service.metatype.annotations.Option(value = "find")})
        String mode() default "full";
    }

    private final Pattern pattern;
    private final boolean full;

    @Activate
    public FormatReward(Config config) {
        try {
            this.pattern = Pattern.compile(config.pattern(), Pattern.DOTALL);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(PID + ": pattern is not a valid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex() + " of '" + config.pattern() + "'", e);
        }
        if (!config.mode().equals("full") && !config.mode().equals("find")) {
            throw new IllegalArgumentException(PID + ": mode must be 'full' or 'find', got '" + config.mode() + "'");
        }
        this.full = config.mode().equals("full");
    }

    @Override
    public double[] score(RewardInput input) {
        double[] out = new double[input.size()];
        for (int i = 0; i < out.length; i++) {
            var m = pattern.matcher(input.completions().get(i));
            out[i] = (full ? m.matches() : m.find()) ? 1.0 : 0.0;
        }
        return out;
    }
}
