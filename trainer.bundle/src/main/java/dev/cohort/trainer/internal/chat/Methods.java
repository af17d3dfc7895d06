package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The methods a template may call on strings, dicts and lists. Methods that would change a list or
 * dict are refused, as jinja2's ImmutableSandboxedEnvironment refuses them.
 */
final class Methods {

    private static final Set<String> STRING = Set.of("startswith", "endswith", "strip", "lstrip", "rstrip",
            "split", "rsplit", "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "index",
            "rindex", "count", "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
            "splitlines", "removeprefix", "removesuffix", "format", "swapcase", "zfill");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> DICT_MUTATORS = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_MUTATORS = Set.of("append", "clear", "pop", "reverse", "insert", "sort",
            "extend", "remove");

    private Methods() {
    }

    /** The bound method {@code receiver.name}, an unsafe-attribute Undefined, or null if none. */
    static Object lookup(Object receiver, String name) {
        boolean isList = receiver instanceof List && !(receiver instanceof PyTuple);
        if (receiver instanceof String && STRING.contains(name)
                || receiver instanceof Map && DICT.contains(name)
                || receiver instanceof List && LIST.contains(name) && !(receiver instanceof PyTuple && name.equals("copy"))) {
            return (PyCallable) (args, kwargs) -> call(receiver, name, new Args(name, args, kwargs));
        }
        if (receiver instanceof Map && DICT_MUTATORS.contains(name) || isList && LIST_MUTATORS.contains(name)) {
            return Undefined.unsafe("access to attribute '" + name + "' of '" + PyValues.typeName(receiver)
                    + "' object is unsafe.");
        }
        return null;
    }

    private static Object call(Object receiver, String name, Args a) {
        if (receiver instanceof String) {
            return StringMethods.call((String) receiver, name, a);
        }
        if (receiver instanceof Map) {
            return dict((Map<?, ?>) receiver, name, a);
        }
        return list((List<?>) receiver, name, a);
    }

    private static Object dict(Map<?, ?> map, String name, Args a) {
        switch (name) {
            case "items": {
                a.accept(0);
                List<Object> out = new ArrayList<>();
                map.forEach((k, v) -> out.add(new PyTuple(k, v)));
                return out;
            }
            case "keys":
                a.accept(0);
                return new ArrayList<Object>(map.keySet());
            case "values":
                a.accept(0);
                return new ArrayList<Object>(map.values());
            case "copy":
                a.accept(0);
                return new java.util.LinkedHashMap<Object, Object>(map);
            default: {
                a.accept(2);
                Object key = a.required(0, "key");
                return PyValues.containsKey(map, key) ? PyValues.lookup(map, key) : a.get(1, "default", null);
            }
        }
    }

    private static Object list(List<?> list, String name, Args a) {
        if (name.equals("copy")) {
            a.accept(0);
            return new ArrayList<Object>(list);
        }
        a.accept(1);
        Object item = a.required(0, "value");
        long count = 0;
        for (int i = 0; i < list.size(); i++) {
            if (PyValues.equal(list.get(i), item)) {
                if (name.equals("index")) {
                    return (long) i;
                }
                count++;
            }
        }
        if (name.equals("index")) {
            throw JinjaError.value(PyRepr.repr(item) + " is not in list");
        }
        return count;
    }
}
