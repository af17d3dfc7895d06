package dev.cohort.plugins.python.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.vllm.internal.rpc.OsgiLog;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One Python reward server per factory configuration of {@value #FACTORY_PID} (from a run's
 * {@code plugins:} section as {@code dev.cohort.plugins.python.rewards~NAME}), and one
 * {@link RewardFunction} service per exposed function, which the trainer discovers by name. A
 * changed configuration is taken live: the server is launched anew (edited code is used from the
 * next call) and services come and go with the names exposed.
 */
@Designate(ocd = PythonRewards.Config.class, factory = true)
@Component(service = {}, configurationPid = PythonRewards.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class PythonRewards {

    public static final String FACTORY_PID = "dev.cohort.plugins.python.rewards";
    /** Service properties of each function's service: the module and the Python function. */
    public static final String MODULE = "cohort.reward.python.module";
    public static final String FUNCTION = "cohort.reward.python.function";

    @ObjectClassDefinition(name = "Cohort Python reward functions",
            description = "TRL reward functions of a Python module, served by one Python process.")
    public @interface Config {

        @AttributeDefinition(description = "The Python executable: python3, or a virtual environment's"
                + " /path/to/.venv/bin/python.")
        String python() default "python3";

        @AttributeDefinition(description = "The module: a .py file (its folder joins sys.path) or a dotted name"
                + " importable by that Python.")
        String module();

        @AttributeDefinition(description = "The functions to expose: NAME (registered under its own name) or"
                + " NAME=python_function.")
        String[] functions();

        @AttributeDefinition(description = "Extra environment variables of the process, KEY=VALUE.", required = false)
        String[] env() default {};

        @AttributeDefinition(description = "Working directory of the process (default: the runtime's).", required = false)
        String cwd() default "";

        @AttributeDefinition(name = "prompt_field", description = "The dataset field passed as 'prompts' (TRL's"
                + " 'prompt'); the others become keyword arguments.", required = false)
        String prompt__field() default "prompt";

        @AttributeDefinition(name = "timeout_ms", description = "How long one call may run in Python before it is"
                + " interrupted (its rewards are then NaN); keep it below the run's reward_timeout_ms.", min = "1")
        long timeout__ms() default 30_000;
    }

    private final BundleContext context;
    private final Logger logger;
    private final RewardServer server;
    private final Map<String, ServiceRegistration<RewardFunction>> registered = new HashMap<>();
    private final Map<String, PythonRewardFunction> functions = new HashMap<>();

    @Activate
    public PythonRewards(Config c, Map<String, Object> props, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.context = context;
        this.logger = logger;
        ServerSettings s = settings(c, props);
        Path script = ServerScript.writeTo(context.getDataFile(ServerScript.NAME).toPath());
        this.server = new RewardServer(s, script, new OsgiLog(logger));
        register(s);
    }

    static ServerSettings settings(Config c, Map<String, Object> props) {
        return ServerSettings.of(id(props), c.python(), c.module(), c.functions(), c.env(), c.cwd(), c.prompt__field(),
                c.timeout__ms());
    }

    private static String id(Map<String, Object> props) {
        String pid = String.valueOf(props.getOrDefault("service.pid", FACTORY_PID));
        int tilde = pid.indexOf('~');
        return tilde >= 0 ? pid.substring(tilde + 1) : pid.substring(pid.lastIndexOf('.') + 1);
    }

    /** Registers a service per exposed name that has none; unregisters names no longer exposed. */
    private synchronized void register(ServerSettings s) {
        Map<String, ServerSettings.Exposed> wanted = new HashMap<>();
        s.functions().forEach(e -> wanted.put(e.name(), e));
        for (String name : Map.copyOf(registered).keySet()) {
            if (!wanted.containsKey(name)) {
                registered.remove(name).unregister();
                functions.remove(name);
                logger.info("python rewards {}: reward function '{}' withdrawn", s.id(), name);
            }
        }
        for (ServerSettings.Exposed e : s.functions()) {
            PythonRewardFunction f = functions.get(e.name());
            if (f != null) {
                f.exposed(e);
                registered.get(e.name()).setProperties(properties(s, e));
                continue;
            }
            f = new PythonRewardFunction(server, e);
            functions.put(e.name(), f);
            registered.put(e.name(), context.registerService(RewardFunction.class, f, properties(s, e)));
        }
    }

    private static Dictionary<String, Object> properties(ServerSettings s, ServerSettings.Exposed e) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(RewardFunction.NAME, e.name());
        p.put(MODULE, s.module());
        p.put(FUNCTION, e.function());
        return p;
    }

    /** New settings apply from the next call: the server is launched anew with them. */
    @Modified
    void modified(Config c, Map<String, Object> props) {
        ServerSettings s = settings(c, props);
        server.reconfigure(s);
        register(s);
        logger.info("python rewards {}: new configuration; relaunching the server ({})", s.id(), s.module());
    }

    @Deactivate
    synchronized void deactivate() {
        registered.values().forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        });
        registered.clear();
        server.close();
    }
}
