package dev.cohort.core.internal.delivery;

import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/** Who a listener service is, from its reference and properties. */
final class ListenerIdentities {

    private ListenerIdentities() {
    }

    static ListenerIdentity of(ServiceReference<?> ref, Map<String, Object> props, DeliveryLog log, EventKind<?> kind) {
        long serviceId = (Long) props.get(Constants.SERVICE_ID);
        Bundle bundle = ref.getBundle();
        long bundleId = bundle != null ? bundle.getBundleId() : -1;
        String version = bundle != null ? bundle.getVersion().toString() : "?";
        return of(props, log, kind, serviceId, bundleId, version);
    }

    static ListenerIdentity of(Map<String, ?> props, DeliveryLog log, EventKind<?> kind, long serviceId,
            long bundleId, String version) {
        String who = kind.listenerNoun() + " service " + serviceId + " of bundle " + bundleId;
        Object name = new ListenerProperties(kind, props, log, who).get(ListenerProperties.NAME);
        if (name == null || name.toString().isBlank()) {
            Object component = props.get("component.name");
            name = component != null ? component : "service-" + serviceId;
            log.warn(who + " has no " + kind.propertyPrefix() + ListenerProperties.NAME + " property; calling it '"
                    + name + "'. Give it a stable name so that it keeps its place across updates.", null);
        }
        return new ListenerIdentity(name.toString(), serviceId, bundleId, version);
    }
}
