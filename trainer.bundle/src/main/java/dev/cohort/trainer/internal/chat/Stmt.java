package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A statement of the template; executing it appends to the output. */
interface Stmt {

    /** How a statement ends: normally, or by {@code break} / {@code continue} of the enclosing loop. */
    enum Signal { NORMAL, BREAK, CONTINUE }

    Signal exec(Frame f, StringBuilder out);

    int line();

    /** Runs statements in order; an error is tagged with the line of the statement that raised it. */
    static Signal run(List<Stmt> body, Frame f, StringBuilder out) {
        for (Stmt s : body) {
            Signal signal;
            try {
                signal = s.exec(f, out);
            } catch (JinjaError e) {
                throw e.at(s.line());
            } catch (RuntimeException e) {
                throw new JinjaError("InternalError", e.toString(), s.line());
            }
            if (signal != Signal.NORMAL) {
                return signal;
            }
        }
        return Signal.NORMAL;
    }

    static String render(List<Stmt> body, Frame f) {
        StringBuilder out = new StringBuilder();
        run(body, f, out);
        return out.toString();
    }

    record Text(String text, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            out.append(text);
            return Signal.NORMAL;
        }
    }

    record Output(Expr value, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            out.append(PyRepr.str(value.eval(f)));
            return Signal.NORMAL;
        }
    }

    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            for (int i = 0; i < tests.size(); i++) {
                if (PyValues.truthy(tests.get(i).eval(f))) {
                    return run(bodies.get(i), f, out);
                }
            }
            return run(otherwise, f, out);
        }
    }

    record For(Target target, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> otherwise, int line)
            implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            List<Object> items = new ArrayList<>();
            for (Object item : PyValues.asList(iterable.eval(f))) {
                if (filter == null || PyValues.truthy(filter.eval(bind(f, item)))) {
                    items.add(item);
                }
            }
            if (items.isEmpty()) {
                return run(otherwise, f, out);
            }
            LoopState loop = new LoopState(items);
            for (int i = 0; i < items.size(); i++) {
                loop.advance(i);
                Frame iteration = bind(f, items.get(i));
                iteration.set("loop", loop);
                if (run(body, iteration, out) == Signal.BREAK) {
                    break;
                }
            }
            return Signal.NORMAL;
        }

        private Frame bind(Frame f, Object item) {
            Frame child = f.child();
            target.assign(child, item);
            return child;
        }
    }

    record Set(Target target, Expr value, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            target.assign(f, value.eval(f));
            return Signal.NORMAL;
        }
    }

    /** {@code {% set name %}body{% endset %}}, optionally through filters. */
    record SetBlock(Target target, Expr.Filter filter, List<Stmt> body, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            Object value = render(body, f);
            target.assign(f, filter == null ? value : filter.applyTo(value, f));
            return Signal.NORMAL;
        }
    }

    record LoopControl(Signal signal, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            return signal;
        }
    }

    record FilterBlock(Expr.Filter filter, List<Stmt> body, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            out.append(PyRepr.str(filter.applyTo(render(body, f), f)));
            return Signal.NORMAL;
        }
    }

    /** A body rendered in place: transformers' {@code generation} block, {@code with} (own scope). */
    record Block(List<Stmt> body, Map<String, Expr> locals, boolean scoped, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            Frame inner = scoped ? f.child() : f;
            locals.forEach((name, e) -> inner.set(name, e.eval(f)));
            return run(body, inner, out);
        }
    }

    record MacroDef(String name, Macro macro, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            f.set(name, macro.bind(f));
            return Signal.NORMAL;
        }
    }

    /** {@code {% call(args) macro(...) %}body{% endcall %}}: the body is the macro's caller(). */
    record CallBlock(Expr.Call call, Macro caller, int line) implements Stmt {
        public Signal exec(Frame f, StringBuilder out) {
            Frame withCaller = f.child();
            withCaller.set("\u0000caller", caller.bind(f));
            Map<String, Expr> kwargs = new java.util.LinkedHashMap<>(call.kwargs());
            kwargs.put("caller", new Expr.Name("\u0000caller"));
            out.append(PyRepr.str(new Expr.Call(call.callee(), call.args(), kwargs).eval(withCaller)));
            return Signal.NORMAL;
        }
    }
}
