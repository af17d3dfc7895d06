package dev.cohort.plugins.python.rewards;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One reward server's settings: the Python executable, the module (a file or a dotted name),
 * the functions it exposes, extra environment variables, the working directory and the time a
 * call may take. Every problem names the configuration ({@code id}) and the property.
 *
 * @param functions each exposed function: the name runs select it by and the Python function
 * @param timeoutMs how long one scoring call may run in Python before it is interrupted
 */
public record ServerSettings(String id, String python, String module, List<Exposed> functions,
        Map<String, String> env, Path cwd, String promptField, long timeoutMs) {

    /** A function a run selects by {@code name}, which calls {@code function} of the module. */
    public record Exposed(String name, String function) {
    }

    public ServerSettings {
        if (python == null || python.isBlank()) {
            throw new IllegalArgumentException(where(id, "python") + "is empty; give an executable such as python3 or"
                    + " a virtual environment's .venv/bin/python");
        }
        if (module == null || module.isBlank()) {
            throw new IllegalArgumentException(where(id, "module") + "is empty; give a .py file or a dotted module name");
        }
        if (functions == null || functions.isEmpty()) {
            throw new IllegalArgumentException(where(id, "functions") + "is empty; name the reward functions to expose");
        }
        if (timeoutMs < 1) {
            throw new IllegalArgumentException(where(id, "timeout_ms") + "must be >= 1, got " + timeoutMs);
        }
        python = python.trim();
        module = module.trim();
        functions = List.copyOf(functions);
        env = Map.copyOf(env);
        promptField = promptField == null || promptField.isBlank() ? "prompt" : promptField.trim();
    }

    /**
     * Settings from configuration values: {@code functions} entries {@code name} or
     * {@code name=function}; {@code env} entries {@code KEY=VALUE}; an empty {@code cwd} is none.
     */
    public static ServerSettings of(String id, String python, String module, String[] functions, String[] env,
            String cwd, String promptField, long timeoutMs) {
        List<Exposed> exposed = new ArrayList<>();
        for (String f : functions == null ? new String[0] : functions) {
            for (String one : f.split(",")) {
                if (!one.isBlank()) {
                    exposed.add(exposed(id, one.trim(), exposed));
                }
            }
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : env == null ? new String[0] : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where(id, "env") + "entry '" + e + "' is not KEY=VALUE");
            }
            vars.put(e.substring(0, eq).trim(), e.substring(eq + 1));
        }
        return new ServerSettings(id, python, module, exposed, vars,
                cwd == null || cwd.isBlank() ? null : Path.of(cwd.trim()), promptField, timeoutMs);
    }

    private static Exposed exposed(String id, String entry, List<Exposed> before) {
        int eq = entry.indexOf('=');
        String name = eq < 0 ? entry : entry.substring(0, eq).trim();
        String function = eq < 0 ? entry : entry.substring(eq + 1).trim();
        if (name.isEmpty() || !function.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException(where(id, "functions") + "entry '" + entry
                    + "' is not NAME or NAME=python_function");
        }
        for (Exposed e : before) {
            if (e.name().equals(name)) {
                throw new IllegalArgumentException(where(id, "functions") + "exposes '" + name + "' twice");
            }
        }
        return new Exposed(name, function);
    }

    private static String where(String id, String property) {
        return "python rewards " + id + ": '" + property + "' ";
    }

    /** The Python function names, in order, without repeats. */
    public List<String> pythonFunctions() {
        return functions.stream().map(Exposed::function).distinct().toList();
    }

    /** The command line of the server, for messages. */
    public List<String> argv(Path script) {
        return List.of(python, "-u", script.toString(), "--module", module, "--functions",
                String.join(",", pythonFunctions()));
    }
}
