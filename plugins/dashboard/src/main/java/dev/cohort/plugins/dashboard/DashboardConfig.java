package dev.cohort.plugins.dashboard;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The dashboard's configuration, PID {@value Dashboard#PID}. */
@ObjectClassDefinition(name = "Cohort dashboard",
        description = "The live web dashboard: metric charts, rollouts, runs, listeners and reward functions.")
@interface DashboardConfig {

    @AttributeDefinition(description = "Address the dashboard listens on; 127.0.0.1 (loopback) by default."
            + " Another address makes it reachable from other hosts: set a token then.")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port of the dashboard.", min = "1", max = "65535")
    int port() default 8321;

    @AttributeDefinition(description = "Access token required from other hosts than this one (as ?token=...);"
            + " empty: none.", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String token() default "";

    @AttributeDefinition(description = "How many steps' rollouts the dashboard keeps (the last ones).", min = "1")
    int rollout_steps() default 20;

    @AttributeDefinition(description = "Interval of the keep-alive comments on the event stream, in ms.", min = "100")
    long heartbeat_ms() default 15000;
}
