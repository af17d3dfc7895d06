package dev.cohort.trainer.internal.chat;

import java.util.List;

/** The left side of an assignment or for loop: a name, {@code ns.attr}, or a tuple of targets. */
record Target(String name, String attribute, List<Target> parts) {

    static Target name(String name) {
        return new Target(name, null, null);
    }

    static Target attribute(String name, String attribute) {
        return new Target(name, attribute, null);
    }

    static Target tuple(List<Target> parts) {
        return new Target(null, null, parts);
    }

    void assign(Frame f, Object value) {
        if (parts != null) {
            List<Object> values = PyValues.asList(value);
            if (values.size() != parts.size()) {
                throw JinjaError.value(values.size() < parts.size()
                        ? "not enough values to unpack (expected " + parts.size() + ", got " + values.size() + ")"
                        : "too many values to unpack (expected " + parts.size() + ")");
            }
            for (int i = 0; i < parts.size(); i++) {
                parts.get(i).assign(f, values.get(i));
            }
        } else if (attribute != null) {
            Object ns = f.resolve(name);
            if (!(ns instanceof Namespace)) {
                throw new JinjaError("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
            }
            ((Namespace) ns).set(attribute, value);
        } else {
            f.set(name, value);
        }
    }
}
