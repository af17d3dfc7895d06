package dev.cohort.trainer.internal.chat;

import java.util.List;

/** The {@code loop} variable of a for loop: index, first, last, length, previtem, nextitem, cycle. */
final class LoopState {

    private final List<Object> items;
    private int index0;
    private List<Object> lastChanged;

    LoopState(List<Object> items) {
        this.items = items;
    }

    void advance(int i) {
        index0 = i;
    }

    Object attribute(String name) {
        int n = items.size();
        switch (name) {
            case "index": return (long) index0 + 1;
            case "index0": return (long) index0;
            case "revindex": return (long) (n - index0);
            case "revindex0": return (long) (n - index0 - 1);
            case "first": return index0 == 0;
            case "last": return index0 == n - 1;
            case "length": return (long) n;
            case "depth": return 1L;
            case "depth0": return 0L;
            case "previtem":
                return index0 > 0 ? items.get(index0 - 1) : Undefined.hint("there is no previous item");
            case "nextitem":
                return index0 < n - 1 ? items.get(index0 + 1) : Undefined.hint("there is no next item");
            case "cycle":
                return (PyCallable) (args, kwargs) -> {
                    if (args.isEmpty()) {
                        throw JinjaError.type("no items for cycling given");
                    }
                    return args.get(index0 % args.size());
                };
            case "changed":
                return (PyCallable) (args, kwargs) -> {
                    boolean changed = lastChanged == null || !PyValues.equal(lastChanged, args);
                    lastChanged = args;
                    return changed;
                };
            default:
                return Undefined.attribute(this, name);
        }
    }
}
