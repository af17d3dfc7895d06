package dev.cohort.trainer.internal.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A macro's parameters and body; bound to the scope it is defined in, it is a callable. */
record Macro(String name, List<String> params, Map<String, Expr> defaults, List<Stmt> body) {

    PyCallable bind(Frame definedIn) {
        return (args, kwargs) -> call(definedIn, args, kwargs);
    }

    private Object call(Frame definedIn, List<Object> args, Map<String, Object> kwargs) {
        Frame f = definedIn.child();
        Map<String, Object> extra = new LinkedHashMap<>(kwargs);
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            if (i < args.size()) {
                f.set(p, args.get(i));
            } else if (extra.containsKey(p)) {
                f.set(p, extra.remove(p));
            } else if (defaults.containsKey(p)) {
                f.set(p, defaults.get(p).eval(f));
            } else {
                f.set(p, Undefined.hint("parameter '" + p + "' was not provided"));
            }
        }
        f.set("varargs", PyTuple.of(args.subList(Math.min(args.size(), params.size()), args.size())));
        f.set("caller", extra.containsKey("caller") ? extra.remove("caller") : Undefined.name("caller"));
        f.set("kwargs", extra);
        return Stmt.render(body, f);
    }
}
