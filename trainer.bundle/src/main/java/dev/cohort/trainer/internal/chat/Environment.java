package dev.cohort.trainer.internal.chat;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filters, tests and global functions of transformers' template environment: jinja2's
 * built-ins with {@code tojson} replaced, plus {@code raise_exception} and {@code strftime_now}
 * (local time of the given clock, as {@code datetime.now()}).
 */
final class Environment {

    /** jinja2's sandbox refuses ranges longer than this. */
    private static final int MAX_RANGE = 100_000;

    private final Map<String, Filters.Filter> filters = Filters.all();
    private final Map<String, Tests.Test> tests = Tests.all();
    private final Map<String, Object> globals = new HashMap<>();

    Environment(Clock clock) {
        globals.put("range", (PyCallable) (args, kwargs) -> range(args));
        globals.put("dict", (PyCallable) (args, kwargs) -> dict(args, kwargs));
        globals.put("namespace", (PyCallable) (args, kwargs) -> new Namespace(dict(args, kwargs)));
        globals.put("raise_exception", (PyCallable) (args, kwargs) -> {
            throw new JinjaError("TemplateError", args.isEmpty() ? "" : PyRepr.str(args.get(0)));
        });
        globals.put("strftime_now", (PyCallable) (args, kwargs) -> {
            Object format = new Args("strftime_now", args, kwargs).required(0, "format");
            return PyFormat.strftime(LocalDateTime.now(clock), PyRepr.str(format));
        });
    }

    Object global(String name) {
        return globals.get(name);
    }

    boolean hasFilter(String name) {
        return filters.containsKey(name);
    }

    boolean hasTest(String name) {
        return tests.containsKey(name);
    }

    Object applyFilter(String name, Object value, Args args) {
        Filters.Filter f = filters.get(name);
        if (f == null) {
            throw new JinjaError("TemplateRuntimeError", "No filter named '" + name + "'.");
        }
        return f.apply(value, args, this);
    }

    boolean applyTest(String name, Object value, Args args) {
        Tests.Test t = tests.get(name);
        if (t == null) {
            throw new JinjaError("TemplateRuntimeError", "No test named '" + name + "'.");
        }
        return t.test(value, args, this);
    }

    private static Object range(List<Object> args) {
        for (Object a : args) {
            if (!PyValues.isIntLike(a)) {
                throw JinjaError.type("'" + PyValues.typeName(a) + "' object cannot be interpreted as an integer");
            }
        }
        long start = args.size() > 1 ? PyValues.asLong(args.get(0)) : 0;
        long stop = args.size() > 1 ? PyValues.asLong(args.get(1)) : args.isEmpty() ? 0 : PyValues.asLong(args.get(0));
        long step = args.size() > 2 ? PyValues.asLong(args.get(2)) : 1;
        if (args.isEmpty() || args.size() > 3) {
            throw JinjaError.type("range expected 1 to 3 arguments, got " + args.size());
        }
        if (step == 0) {
            throw JinjaError.value("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw new JinjaError("OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE ("
                        + MAX_RANGE + ").");
            }
            out.add(i);
        }
        return out;
    }

    private static Map<String, Object> dict(List<Object> args, Map<String, Object> kwargs) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (args.size() > 1) {
            throw JinjaError.type("dict expected at most 1 argument, got " + args.size());
        }
        if (!args.isEmpty()) {
            if (!(args.get(0) instanceof Map)) {
                throw JinjaError.type("dict() of a " + PyValues.typeName(args.get(0)) + " is not supported");
            }
            ((Map<?, ?>) args.get(0)).forEach((k, v) -> out.put(PyRepr.str(k), v));
        }
        out.putAll(kwargs);
        return out;
    }
}
