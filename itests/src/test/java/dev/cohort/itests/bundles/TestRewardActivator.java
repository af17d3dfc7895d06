package dev.cohort.itests.bundles;

import dev.cohort.api.reward.RewardFunction;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Activator of the reward function bundles the integration tests build: {@code Cohort-Test-Name}
 * is the function's name, {@code Cohort-Test-Behaviour} is {@code brevity} (minus the
 * completion's length in characters divided by 10), {@code throw} or {@code short} (one value
 * too few). Optional: {@code Cohort-Test-Fail-From-Step} (brevity until that step, then it
 * throws) and {@code Cohort-Test-Stop-File} (written when the bundle stops).
 */
public final class TestRewardActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String name = context.getBundle().getHeaders().get("Cohort-Test-Name");
        String behaviour = context.getBundle().getHeaders().get("Cohort-Test-Behaviour");
        String failFrom = context.getBundle().getHeaders().get("Cohort-Test-Fail-From-Step");
        RewardFunction f = input -> {
            if (failFrom != null && input.step() >= Long.parseLong(failFrom)) {
                throw new IllegalStateException("test reward " + name + " fails from step " + failFrom);
            }
            switch (behaviour) {
                case "throw":
                    throw new IllegalStateException("test reward " + name + " fails on step " + input.step());
                case "short":
                    return new double[input.size() - 1];
                default:
                    double[] out = new double[input.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = -input.completions().get(i).length() / 10.0;
                    }
                    return out;
            }
        };
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RewardFunction.NAME, name);
        context.registerService(RewardFunction.class, f, props);
    }

    @Override
    public void stop(BundleContext context) throws java.io.IOException {
        String file = context.getBundle().getHeaders().get("Cohort-Test-Stop-File");
        if (file != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), "stopped\n");
        }
    }
}
