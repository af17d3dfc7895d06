package dev.cohort.trainer.internal.chat;

import java.util.HashMap;
import java.util.Map;

/**
 * A scope of template variables. The template has one; each iteration of a for loop, each macro
 * call and each with block gets a child, so that a {@code set} inside them is not seen outside
 * (jinja2's scoping, the reason namespace() exists).
 */
final class Frame {

    private final Frame parent;
    private final Environment env;
    private final Map<String, Object> vars = new HashMap<>();

    private Frame(Frame parent, Environment env) {
        this.parent = parent;
        this.env = env;
    }

    static Frame root(Environment env, Map<String, Object> variables) {
        Frame f = new Frame(null, env);
        f.vars.putAll(variables);
        return f;
    }

    Frame child() {
        return new Frame(this, env);
    }

    Environment env() {
        return env;
    }

    Object resolve(String name) {
        for (Frame f = this; f != null; f = f.parent) {
            if (f.vars.containsKey(name)) {
                return f.vars.get(name);
            }
        }
        Object global = env.global(name);
        return global != null ? global : Undefined.name(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
