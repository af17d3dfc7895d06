package dev.cohort.trainer.internal.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Map;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

/**
 * trace-jsonl's directory for a run, to check it before step 0 and name the setting in errors:
 * the run's plugins section's, else Config Admin's, else the plugin's default {@code traces}
 * (relative to the runtime's working directory, as the plugin resolves it).
 */
final class TraceDirectory {

    static final String PID = "dev.cohort.plugins.trace.jsonl";

    /** The directory and the setting that names it. */
    record Setting(Path dir, String key) {
    }

    private final ConfigurationAdmin configAdmin;
    private final Logger logger;

    TraceDirectory(ConfigurationAdmin configAdmin, Logger logger) {
        this.configAdmin = configAdmin;
        this.logger = logger;
    }

    Setting of(Map<String, Map<String, Object>> plugins) {
        Map<String, Object> own = plugins.get(PID);
        if (own != null && own.get("directory") != null) {
            return new Setting(Path.of(own.get("directory").toString()).toAbsolutePath(),
                    "plugins." + PID + ".directory");
        }
        Object dir = null;
        try {
            Dictionary<String, Object> p = configAdmin.getConfiguration(PID, "?").getProperties();
            dir = p == null ? null : p.get("directory");
        } catch (IOException e) {
            logger.warn("cannot read the configuration of {}: {}", PID, e.toString());
        }
        return new Setting(Path.of(dir == null ? "traces" : dir.toString()).toAbsolutePath(),
                "the trace directory (" + PID + " directory" + (dir == null ? ", default traces" : "") + ")");
    }
}
