package dev.cohort.plugins.python.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardInput;

/** One exposed Python function as a {@link RewardFunction} service; calls go to its server. */
final class PythonRewardFunction implements RewardFunction {

    private final RewardServer server;
    private volatile ServerSettings.Exposed exposed;

    PythonRewardFunction(RewardServer server, ServerSettings.Exposed exposed) {
        this.server = server;
        this.exposed = exposed;
    }

    /** Points the service at another Python function (the configuration changed, not its name). */
    void exposed(ServerSettings.Exposed e) {
        this.exposed = e;
    }

    @Override
    public double[] score(RewardInput input) {
        return server.score(exposed, input);
    }

    @Override
    public String toString() {
        return "python reward " + exposed.name() + " = " + exposed.function();
    }
}
