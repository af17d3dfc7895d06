package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.api.training.TrainingMetrics;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

class @CLASS@TrainingListenerTest {

    /** A Logger that records the messages of warn(String, Object...) calls. */
    private static Logger recording(List<String> warnings) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("warn")) {
                        warnings.add(String.valueOf(args[0]));
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    }

    private static TrainingMetrics step(String run, long step, double loss) {
        return new TrainingMetrics(run, step, 10, Map.of("loss", loss, "grad_norm", 1.0), null);
    }

    @Test
    void reportsTheFirstNonFiniteLossOncePerRun() {
        List<String> warnings = new ArrayList<>();
        @CLASS@TrainingListener listener = new @CLASS@TrainingListener(recording(warnings));

        listener.onStep(step("a", 1, 0.5));
        listener.onStep(step("a", 2, Double.NaN));
        listener.onStep(step("a", 3, Double.POSITIVE_INFINITY));
        assertEquals(2, listener.divergedAt());
        assertEquals(1, warnings.size());

        listener.onStep(step("b", 1, 0.4));
        assertEquals(-1, listener.divergedAt());
    }
}
