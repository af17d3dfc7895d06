package dev.cohort.trainer.internal.chat;

import java.util.List;
import java.util.Map;

/**
 * jinja2's sandboxed attribute and item access. {@code x.name} looks for a method first and then a
 * key (so a dict's {@code .items} is the method); {@code x[key]} looks for the key first. What is
 * missing is Undefined, never an error.
 */
final class Access {

    private Access() {
    }

    static Object attribute(Object obj, String name) {
        if (obj instanceof Undefined) {
            throw ((Undefined) obj).error();
        }
        if (obj instanceof LoopState) {
            return ((LoopState) obj).attribute(name);
        }
        if (obj instanceof Namespace) {
            Namespace ns = (Namespace) obj;
            return ns.has(name) ? ns.get(name) : Undefined.attribute(obj, name);
        }
        Object method = Methods.lookup(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map && PyValues.containsKey((Map<?, ?>) obj, name)) {
            return PyValues.lookup((Map<?, ?>) obj, name);
        }
        return Undefined.attribute(obj, name);
    }

    static Object item(Object obj, Object key) {
        if (obj instanceof Undefined) {
            throw ((Undefined) obj).error();
        }
        if (obj instanceof Map && PyValues.containsKey((Map<?, ?>) obj, key)) {
            return PyValues.lookup((Map<?, ?>) obj, key);
        }
        if (PyValues.isIntLike(key) && (obj instanceof List || obj instanceof String)) {
            return index(obj, PyValues.asLong(key));
        }
        if (key instanceof String) {
            return attribute(obj, (String) key);
        }
        return Undefined.attribute(obj, key);
    }

    private static Object index(Object seq, long i) {
        long n = PyValues.length(seq);
        long at = i < 0 ? i + n : i;
        if (at < 0 || at >= n) {
            return Undefined.attribute(seq, i);
        }
        if (seq instanceof String) {
            String s = (String) seq;
            int from = PyStrings.offset(s, at);
            return s.substring(from, from + Character.charCount(s.codePointAt(from)));
        }
        return ((List<?>) seq).get((int) at);
    }
}
