package dev.cohort.core.internal.delivery;

import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

/** Who a listener service is, from its reference and properties. */
final class ListenerIdentities {

    /** Service property (String) naming a listener across updates, for every kind of listener. */
    static final String NAME = "cohort.listener.name";

    private ListenerIdentities() {
    }

    static ListenerIdentity of(ServiceReference<?> ref, Map<String, Object> props, Logger logger, String noun) {
        long serviceId = (Long) props.get(Constants.SERVICE_ID);
        Bundle bundle = ref.getBundle();
        long bundleId = bundle != null ? bundle.getBundleId() : -1;
        Object name = props.get(NAME);
        if (name == null || name.toString().isBlank()) {
            Object component = props.get("component.name");
            name = component != null ? component : "service-" + serviceId;
            logger.warn("{} service {} of bundle {} has no {} property; calling it '{}'."
                    + " Give it a stable name so that it keeps its place across updates.",
                    noun, serviceId, bundleId, NAME, name);
        }
        String version = bundle != null ? bundle.getVersion().toString() : "?";
        return new ListenerIdentity(name.toString(), serviceId, bundleId, version);
    }
}
