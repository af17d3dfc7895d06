package dev.cohort.vllm.internal.bridge;

import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.OsgiLog;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One inference worker per factory configuration of {@value #FACTORY_PID}: connects to
 * {@code address}, or launches {@code command} and relaunches it when it dies, and keeps the
 * connection up (see {@link WorkerHandle}). The {@code vllm} engine tracks these components. A
 * changed configuration is taken live ({@link #modified}): the component, and with it the
 * engine's reference, stays the same.
 */
@Designate(ocd = WorkerComponent.Config.class, factory = true)
@Component(service = WorkerComponent.class, configurationPid = WorkerComponent.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class WorkerComponent {

    public static final String FACTORY_PID = "dev.cohort.vllm.worker";

    @ObjectClassDefinition(name = "Cohort inference worker",
            description = "One inference worker of the vllm rollout engine: set address or command.")
    public @interface Config {

        @AttributeDefinition(description = "Worker id in logs and the 'workers' command; default: the"
                + " configuration's name (after '~' in its PID).")
        String id() default "";

        @AttributeDefinition(description = "host:port of a running worker.")
        String address() default "";

        @AttributeDefinition(description = "Command line that launches a worker which prints 'listening on <port>';"
                + " relaunched when it exits.")
        String command() default "";

        /** {@code .token}: the leading dot keeps it out of the service properties. */
        @AttributeDefinition(name = ".token", type = AttributeType.PASSWORD, description = "Token the worker requires,"
                + " if any (a private property: not shown among the service's properties).")
        String _token() default "";

        @AttributeDefinition(name = "call_timeout_ms", description = "Deadline of one call (a generate chunk or"
                + " load_weights), in ms.", min = "1")
        long call__timeout__ms() default 300_000;

        @AttributeDefinition(name = "handshake_timeout_ms", description = "Connect and handshake limit, in ms.", min = "1")
        int handshake__timeout__ms() default 10_000;

        @AttributeDefinition(name = "start_timeout_ms", description = "How long a launched worker may take to print"
                + " its port, in ms.", min = "1")
        long start__timeout__ms() default 300_000;

        @AttributeDefinition(name = "max_backoff_ms", description = "Longest wait between reconnects or relaunches,"
                + " in ms.", min = "1")
        long max__backoff__ms() default 30_000;

        @AttributeDefinition(name = "max_frame_bytes", description = "Longest frame accepted from the worker.", min = "64")
        int max__frame__bytes() default Protocol.DEFAULT_MAX_FRAME;

        @AttributeDefinition(name = "liveness_timeout_ms", description = "How long a worker that sends heartbeats may"
                + " stay silent during a call before the call moves on and the worker is marked suspect, in ms"
                + " (0: off).", min = "0")
        long liveness__timeout__ms() default WorkerSettings.DEFAULT_LIVENESS_MS;
    }

    private final WorkerHandle handle;

    @Activate
    public WorkerComponent(Config c, Map<String, Object> props, @Reference(service = LoggerFactory.class) Logger logger) {
        this.handle = new WorkerHandle(settings(c, props), new OsgiLog(logger));
    }

    static WorkerSettings settings(Config c, Map<String, Object> props) {
        return new WorkerSettings(id(c.id(), props), c.address(), c.command(), c._token(), c.call__timeout__ms(),
                c.handshake__timeout__ms(), c.start__timeout__ms(), c.max__backoff__ms(), c.max__frame__bytes(),
                c.liveness__timeout__ms());
    }

    private static String id(String configured, Map<String, Object> props) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        String pid = String.valueOf(props.getOrDefault("service.pid", "worker"));
        int tilde = pid.indexOf('~');
        return tilde >= 0 ? pid.substring(tilde + 1) : pid;
    }

    /** New values apply at once: time limits to the next call; a new address, command or token reconnects. */
    @Modified
    void modified(Config c, Map<String, Object> props) {
        handle.reconfigure(settings(c, props));
    }

    public WorkerHandle handle() {
        return handle;
    }

    @Deactivate
    void deactivate() {
        handle.close();
    }
}
