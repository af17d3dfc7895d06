package dev.cohort.plugins.dashboard;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutListenerService;
import dev.cohort.api.training.TrainingListener;
import dev.cohort.api.training.TrainingListenerService;
import dev.cohort.api.training.TrainingMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Hashtable;
import javax.servlet.Servlet;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.http.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The live dashboard: records every step's metrics and the recent rollouts (in the bundle's data
 * area, so the history survives the plugin's own updates), pushes each to the open pages, and
 * serves the page through the OSGi HTTP Whiteboard on the configured address (PID {@value #PID}),
 * printed on the console when it starts. Configuration changes are taken live.
 */
@Component(service = {RolloutListener.class, TrainingListener.class}, configurationPid = Dashboard.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = DashboardConfig.class)
@RolloutListenerService(name = "dashboard")
@TrainingListenerService(name = "dashboard")
@RequireHttpWhiteboard
public final class Dashboard implements RolloutListener, TrainingListener {

    public static final String PID = "dev.cohort.plugins.dashboard";

    private final Logger logger;
    private final DashboardStore store;
    private final SseHub hub;
    private final HttpServerControl server;
    private final Announcer announcer;
    private final ServiceRegistration<Servlet> servlet;
    private volatile Access access;
    private volatile DashboardConfig config;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile CommandProcessor gogo;

    @Activate
    public Dashboard(BundleContext context, DashboardConfig config, @Reference ConfigurationAdmin configAdmin,
            @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        this.logger = logger;
        this.store = new DashboardStore(context.getDataFile("store").toPath(), config.rollout_steps());
        this.hub = new SseHub(config.heartbeat_ms());
        this.server = new HttpServerControl(configAdmin, Path.of(System.getProperty("java.io.tmpdir")));
        this.access = new Access(config.token());
        this.announcer = new Announcer(context, address -> logger.audit("dashboard at {}{}", address,
                Access.isLoopback(this.config.host()) || !access.hasToken() ? "" : "?token=..."));
        SystemInfo system = new SystemInfo(context, () -> gogo);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/*");
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "cohort-dashboard");
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ASYNC_SUPPORTED, Boolean.TRUE);
        this.servlet = context.registerService(Servlet.class,
                new DashboardServlet(store, hub, system, () -> access), props);
        listen(config);
    }

    @Modified
    void modified(DashboardConfig next) throws IOException {
        access = new Access(next.token());
        store.rolloutWindow(next.rollout_steps());
        DashboardConfig previous = config;
        if (!previous.host().equals(next.host()) || previous.port() != next.port()) {
            listen(next);
        } else {
            config = next;
        }
    }

    private void listen(DashboardConfig c) throws IOException {
        config = c;
        String why = server.open(c.host(), c.port());
        if (why != null) {
            logger.warn("dashboard not served: {}; set another port under PID {}", why, PID);
            return;
        }
        boolean loopback = Access.isLoopback(c.host());
        if (!loopback && !access.hasToken()) {
            logger.warn("dashboard listens on {}, reachable from other hosts without an access token; set token under PID {}",
                    c.host(), PID);
        }
        String host = c.host().contains(":") ? "[" + c.host() + "]" : c.host();
        announcer.expect("http://" + host + ":" + c.port() + "/");
    }

    @Deactivate
    void deactivate(BundleContext context) {
        announcer.close();
        servlet.unregister();
        hub.close();
        try {
            if (context.getBundle(0).getState() != Bundle.STOPPING) {
                server.close(); // the process is not ending: take the port off the network
            } else {
                server.release();
            }
            store.close();
        } catch (IOException e) {
            logger.warn("dashboard: closing its store or address failed: {}", e.toString());
        }
    }

    @Override
    public void onStep(TrainingMetrics metrics) {
        try {
            store.addMetrics(metrics);
        } catch (IOException e) {
            logger.warn("dashboard: metrics of run {} step {} not kept in the data area: {}",
                    metrics.runId(), metrics.step(), e.toString());
        }
        hub.publish("metrics", Views.point(metrics));
    }

    @Override
    public void onRolloutsScored(RolloutBatch batch) {
        try {
            store.addRollouts(batch);
        } catch (IOException e) {
            logger.warn("dashboard: rollouts of run {} step {} not kept in the data area: {}",
                    batch.runId(), batch.step(), e.toString());
        }
        hub.publish("rollouts", Views.rolloutEntry(batch));
    }
}
