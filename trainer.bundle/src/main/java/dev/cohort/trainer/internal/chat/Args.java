package dev.cohort.trainer.internal.chat;

import java.util.List;
import java.util.Map;

/** The arguments of one call, bound to Python-style parameters by position or keyword. */
final class Args {

    private final String callee;
    private final List<Object> positional;
    private final Map<String, Object> keywords;

    Args(String callee, List<Object> positional, Map<String, Object> keywords) {
        this.callee = callee;
        this.positional = positional;
        this.keywords = keywords;
    }

    /** Parameter {@code index} (by position) or {@code name} (by keyword), else the default. */
    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) {
            if (keywords.containsKey(name)) {
                throw JinjaError.type(callee + "() got multiple values for argument '" + name + "'");
            }
            return positional.get(index);
        }
        return keywords.containsKey(name) ? keywords.get(name) : fallback;
    }

    Object required(int index, String name) {
        if (index >= positional.size() && !keywords.containsKey(name)) {
            throw JinjaError.type(callee + "() missing required argument '" + name + "'");
        }
        return get(index, name, null);
    }

    String string(int index, String name, String fallback) {
        Object v = get(index, name, fallback);
        if (v != null && !(v instanceof String)) {
            throw JinjaError.type(callee + "() argument '" + name + "' must be str, not " + PyValues.typeName(v));
        }
        return (String) v;
    }

    long integer(int index, String name, long fallback) {
        Object v = get(index, name, fallback);
        if (!PyValues.isIntLike(v)) {
            throw JinjaError.type(callee + "() argument '" + name + "' must be int, not " + PyValues.typeName(v));
        }
        return PyValues.asLong(v);
    }

    boolean flag(int index, String name, boolean fallback) {
        return PyValues.truthy(get(index, name, fallback));
    }

    /** Fails when more than {@code max} positional arguments or unknown keywords were given. */
    Args accept(int max, String... names) {
        if (positional.size() > max) {
            throw JinjaError.type(callee + "() takes at most " + max + " arguments (" + positional.size() + " given)");
        }
        for (String k : keywords.keySet()) {
            if (!List.of(names).contains(k)) {
                throw JinjaError.type(callee + "() got an unexpected keyword argument '" + k + "'");
            }
        }
        return this;
    }

    List<Object> positional() {
        return positional;
    }

    Map<String, Object> keywords() {
        return keywords;
    }

    String callee() {
        return callee;
    }
}
