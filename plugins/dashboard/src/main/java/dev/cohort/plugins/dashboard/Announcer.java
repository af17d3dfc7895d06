package dev.cohort.plugins.dashboard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

/**
 * Says where the dashboard is once the HTTP server really listens there: it watches the HTTP
 * runtime service's {@code osgi.http.endpoint} property (the server publishes its addresses when
 * its connector has started) and calls back once per address it is told to expect.
 */
final class Announcer implements ServiceListener, AutoCloseable {

    private static final String FILTER = "(objectClass=org.osgi.service.http.runtime.HttpServiceRuntime)";
    private static final String ENDPOINT = "osgi.http.endpoint";

    private final BundleContext context;
    private final Consumer<String> announce;
    private String expected;

    Announcer(BundleContext context, Consumer<String> announce) {
        this.context = context;
        this.announce = announce;
        try {
            context.addServiceListener(this, FILTER);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // the filter is a constant
        }
    }

    /** Announces {@code address} (as {@code http://host:port/}) as soon as the server publishes it. */
    synchronized void expect(String address) {
        expected = address;
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, FILTER);
            for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                check(r);
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void serviceChanged(ServiceEvent event) {
        if (event.getType() != ServiceEvent.UNREGISTERING) {
            check(event.getServiceReference());
        }
    }

    private void check(ServiceReference<?> ref) {
        if (expected != null && endpoints(ref.getProperty(ENDPOINT)).contains(expected)) {
            String address = expected;
            expected = null;
            announce.accept(address);
        }
    }

    static List<String> endpoints(Object property) {
        List<String> out = new ArrayList<>();
        if (property instanceof String s) {
            out.add(s);
        } else if (property instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (property instanceof Collection<?> c) {
            c.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }

    @Override
    public void close() {
        context.removeServiceListener(this);
    }
}
