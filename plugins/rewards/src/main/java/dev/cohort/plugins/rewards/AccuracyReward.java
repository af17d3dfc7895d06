package dev.cohort.plugins.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardFunctionService;
import dev.cohort.api.reward.RewardInput;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code accuracy}: 1 when a completion's final answer equals the sample's reference answer (a
 * dataset field), 0 when it does not, NaN (no reward) when the row has no reference.
 */
@Component(configurationPid = AccuracyReward.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = AccuracyReward.Config.class)
@RewardFunctionService(name = "accuracy")
public final class AccuracyReward implements RewardFunction {

    public static final String PID = "dev.cohort.rewards.accuracy";

    @ObjectClassDefinition(name = "Cohort reward: accuracy",
            description = "Exact match of the completion's final answer against a dataset field.")
    public @interface Config {
        @AttributeDefinition(description = "Dataset field holding the reference answer.")
        /* "__" is "_" in the property name: answer_field, as docs/rewards.md names it */
        String answer__field() default "answer";
    }

    private final String field;

    @Activate
    public AccuracyReward(Config config) {
        if (config.answer__field().isBlank()) {
            throw new IllegalArgumentException(PID + ": answer_field must not be empty");
        }
        this.field = config.answer__field();
    }

    @Override
    public double[] score(RewardInput input) {
        double[] out = new double[input.size()];
        for (int i = 0; i < out.length; i++) {
            Map<String, Object> row = input.rows().get(i);
            Object reference = row.get(field);
            out[i] = reference == null ? Double.NaN : AnswerMatcher.grade(input.completions().get(i), reference);
        }
        return out;
    }
}
