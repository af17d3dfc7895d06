package dev.cohort.plugins.dashboard;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Puts the runtime's HTTP server (Felix HTTP Jetty, configured under its PID
 * {@value #HTTP_PID}; the runtime starts it with no connector) on the dashboard's address, and
 * takes it off again. Two Cohort runtimes on one machine would both ask for the same default
 * address: a lock file per address (in {@code java.io.tmpdir}) lets the first have it and tells
 * the second, without either server failing to bind; a port held by another program is found by
 * binding it once before Jetty does.
 */
final class HttpServerControl {

    static final String HTTP_PID = "org.apache.felix.http";

    private final ConfigurationAdmin configAdmin;
    private final Path lockDir;
    private FileChannel lockChannel;
    private FileLock lock;

    HttpServerControl(ConfigurationAdmin configAdmin, Path lockDir) {
        this.configAdmin = configAdmin;
        this.lockDir = lockDir;
    }

    /**
     * Starts serving on {@code host:port}.
     *
     * @return null when serving, else why not (for the log)
     */
    synchronized String open(String host, int port) throws IOException {
        close();
        String why = lock(host, port);
        if (why != null) {
            return why;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            unlock();
            return host + ":" + port + " cannot be bound (" + e.getMessage() + "); another program holds it?";
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("org.apache.felix.http.enable", Boolean.TRUE);
        props.put("org.apache.felix.https.enable", Boolean.FALSE);
        props.put("org.apache.felix.http.host", host);
        props.put("org.osgi.service.http.port", port);
        configuration().update(props);
        return null;
    }

    private String lock(String host, int port) throws IOException {
        Path file = lockDir.resolve("cohort-dashboard-" + host.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + port + ".lock");
        lockChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            unlock();
            return "another Cohort runtime on this machine serves its dashboard at " + host + ":" + port
                    + " (lock " + file + ")";
        }
        return null;
    }

    private void unlock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            // the channel is closed either way
        }
        lock = null;
        lockChannel = null;
    }

    /** Takes the HTTP server off the network (its configuration is deleted) and frees the address. */
    synchronized void close() throws IOException {
        if (lock != null) {
            Configuration c = configuration();
            if (c.getProperties() != null) {
                c.delete();
            }
        }
        unlock();
    }

    /** Frees the address's lock only (the runtime is ending and takes the server with it). */
    synchronized void release() {
        unlock();
    }

    private Configuration configuration() throws IOException {
        return configAdmin.getConfiguration(HTTP_PID, "?");
    }
}
