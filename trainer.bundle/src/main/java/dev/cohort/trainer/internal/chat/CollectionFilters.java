package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** jinja2's built-in filters on sequences and mappings: first, join, map, select, sort, unique, ... */
final class CollectionFilters {

    private CollectionFilters() {
    }

    static void register(Map<String, Filters.Filter> f) {
        f.put("first", (v, a, e) -> {
            List<Object> items = PyValues.asList(v);
            return items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.get(0);
        });
        f.put("last", (v, a, e) -> {
            List<Object> items = PyValues.asList(v);
            return items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.get(items.size() - 1);
        });
        f.put("list", (v, a, e) -> new ArrayList<>(PyValues.asList(v)));
        f.put("join", CollectionFilters::join);
        f.put("items", (v, a, e) -> items(v));
        f.put("map", CollectionFilters::map);
        f.put("select", (v, a, e) -> select(v, a, e, false, true));
        f.put("reject", (v, a, e) -> select(v, a, e, false, false));
        f.put("selectattr", (v, a, e) -> select(v, a, e, true, true));
        f.put("rejectattr", (v, a, e) -> select(v, a, e, true, false));
        f.put("unique", CollectionFilters::unique);
        f.put("sort", CollectionFilters::sort);
        f.put("reverse", (v, a, e) -> reverse(v));
        f.put("dictsort", CollectionFilters::dictsort);
        f.put("sum", CollectionFilters::sum);
        f.put("min", (v, a, e) -> extreme(v, a, false));
        f.put("max", (v, a, e) -> extreme(v, a, true));
        f.put("batch", CollectionFilters::batch);
    }

    /** jinja2's attribute getter: dotted parts, each looked up as an item (digits as indices). */
    static Object attribute(Object item, String path) {
        Object v = item;
        for (String part : path.split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            v = Access.item(v, key);
        }
        return v;
    }

    private static Object join(Object v, Args a, Environment env) {
        a.accept(2, "d", "attribute");
        String sep = PyRepr.str(a.get(0, "d", ""));
        Object attr = a.get(1, "attribute", null);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : PyValues.asList(v)) {
            if (!first) {
                out.append(sep);
            }
            first = false;
            out.append(PyRepr.str(attr == null ? item : attribute(item, PyRepr.str(attr))));
        }
        return out.toString();
    }

    private static Object items(Object v) {
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        if (!(v instanceof Map)) {
            throw JinjaError.type("Can only get item pairs from a mapping.");
        }
        List<Object> out = new ArrayList<>();
        ((Map<?, ?>) v).forEach((k, x) -> out.add(new PyTuple(k, x)));
        return out;
    }

    private static Object map(Object v, Args a, Environment env) {
        List<Object> out = new ArrayList<>();
        if (a.positional().isEmpty() && a.keywords().containsKey("attribute")) {
            String attr = PyRepr.str(a.keywords().get("attribute"));
            boolean hasDefault = a.keywords().containsKey("default");
            for (Object item : PyValues.asList(v)) {
                Object x = attribute(item, attr);
                out.add(x instanceof Undefined && hasDefault ? a.keywords().get("default") : x);
            }
            return out;
        }
        if (a.positional().isEmpty()) {
            throw new JinjaError("FilterArgumentError", "map requires a filter argument");
        }
        String name = PyRepr.str(a.positional().get(0));
        Args rest = new Args(name, a.positional().subList(1, a.positional().size()), a.keywords());
        for (Object item : PyValues.asList(v)) {
            out.add(env.applyFilter(name, item, rest));
        }
        return out;
    }

    private static Object select(Object v, Args a, Environment env, boolean byAttribute, boolean keep) {
        List<Object> params = a.positional();
        int off = byAttribute ? 1 : 0;
        if (byAttribute && params.isEmpty()) {
            throw new JinjaError("FilterArgumentError", "Missing parameter for attribute name");
        }
        String attr = byAttribute ? PyRepr.str(params.get(0)) : null;
        String test = params.size() > off ? PyRepr.str(params.get(off)) : null;
        Args testArgs = new Args(test, params.subList(Math.min(params.size(), off + 1), params.size()), a.keywords());
        List<Object> out = new ArrayList<>();
        for (Object item : PyValues.asList(v)) {
            Object x = attr == null ? item : attribute(item, attr);
            boolean passed = test == null ? PyValues.truthy(x) : env.applyTest(test, x, testArgs);
            if (passed == keep) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object sortKey(Object item, String attribute, boolean caseSensitive) {
        Object key = attribute == null ? item : attribute(item, attribute);
        return !caseSensitive && key instanceof String ? PyStrings.lower((String) key) : key;
    }

    private static Object unique(Object v, Args a, Environment env) {
        a.accept(2, "case_sensitive", "attribute");
        boolean caseSensitive = a.flag(0, "case_sensitive", false);
        Object attr = a.get(1, "attribute", null);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : PyValues.asList(v)) {
            Object key = sortKey(item, attr == null ? null : PyRepr.str(attr), caseSensitive);
            if (!PyValues.contains(seen, key)) {
                seen.add(key);
                out.add(item);
            }
        }
        return out;
    }

    private static Object sort(Object v, Args a, Environment env) {
        a.accept(3, "reverse", "case_sensitive", "attribute");
        boolean reverse = a.flag(0, "reverse", false);
        boolean caseSensitive = a.flag(1, "case_sensitive", false);
        Object attr = a.get(2, "attribute", null);
        List<Object> out = new ArrayList<>(PyValues.asList(v));
        Comparator<Object> order = Comparator.comparing(
                x -> sortKey(x, attr == null ? null : PyRepr.str(attr), caseSensitive), (x, y) -> PyValues.compare(x, y, "<"));
        out.sort(reverse ? order.reversed() : order);
        return out;
    }

    private static Object reverse(Object v) {
        if (v instanceof String) {
            List<String> chars = PyStrings.characters((String) v);
            Collections.reverse(chars);
            return String.join("", chars);
        }
        List<Object> out = new ArrayList<>(PyValues.asList(v));
        Collections.reverse(out);
        return out;
    }

    private static Object dictsort(Object v, Args a, Environment env) {
        a.accept(3, "case_sensitive", "by", "reverse");
        boolean caseSensitive = a.flag(0, "case_sensitive", false);
        int pos = "value".equals(a.get(1, "by", "key")) ? 1 : 0;
        List<Object> pairs = new ArrayList<>(PyValues.asList(items(v)));
        Comparator<Object> order = Comparator.comparing(
                x -> sortKey(((PyTuple) x).get(pos), null, caseSensitive), (x, y) -> PyValues.compare(x, y, "<"));
        pairs.sort(a.flag(2, "reverse", false) ? order.reversed() : order);
        return pairs;
    }

    private static Object sum(Object v, Args a, Environment env) {
        a.accept(2, "attribute", "start");
        Object attr = a.get(0, "attribute", null);
        Object total = a.get(1, "start", 0L);
        for (Object item : PyValues.asList(v)) {
            total = PyOps.binary("+", total, attr == null ? item : attribute(item, PyRepr.str(attr)));
        }
        return total;
    }

    private static Object extreme(Object v, Args a, boolean max) {
        a.accept(2, "case_sensitive", "attribute");
        boolean caseSensitive = a.flag(0, "case_sensitive", false);
        Object attr = a.get(1, "attribute", null);
        Object best = null;
        Object bestKey = null;
        for (Object item : PyValues.asList(v)) {
            Object key = sortKey(item, attr == null ? null : PyRepr.str(attr), caseSensitive);
            if (bestKey == null || PyValues.compare(key, bestKey, max ? ">" : "<") * (max ? 1 : -1) > 0) {
                best = item;
                bestKey = key;
            }
        }
        return bestKey == null ? Undefined.hint("No aggregated item, sequence was empty.") : best;
    }

    private static Object batch(Object v, Args a, Environment env) {
        long size = a.integer(0, "linecount", 1);
        Object fill = a.get(1, "fill_with", null);
        boolean doFill = a.positional().size() > 1 || a.keywords().containsKey("fill_with");
        List<Object> out = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PyValues.asList(v)) {
            current.add(item);
            if (current.size() == size) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (doFill && fill != null && current.size() < size) {
                current.add(fill);
            }
            out.add(current);
        }
        return out;
    }
}
