package dev.cohort.trainer.internal.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Python semantics of template values: types, truth, equality, ordering, iteration, length. */
final class PyValues {

    private PyValues() {
    }

    /**
     * The template's own form of a value from JSON or Java: integers as Long, floats as Double,
     * maps as insertion-ordered maps, arrays and collections as lists.
     */
    static Object normalize(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof Double || value instanceof PyTuple || value instanceof Namespace
                || value instanceof Undefined || value instanceof PyCallable) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger) {
            return ((BigInteger) value).longValueExact();
        }
        if (value instanceof Float || value instanceof BigDecimal) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof CharSequence || value instanceof Character) {
            return value.toString();
        }
        if (value instanceof Map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            ((Map<?, ?>) value).forEach((k, v) -> copy.put(normalize(k), normalize(v)));
            return copy;
        }
        if (value instanceof Iterable) {
            List<Object> copy = new ArrayList<>();
            ((Iterable<?>) value).forEach(v -> copy.add(normalize(v)));
            return copy;
        }
        if (value instanceof Object[]) {
            return normalize(List.of((Object[]) value));
        }
        throw JinjaError.type("a template cannot use a value of Java type " + value.getClass().getName());
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        } else if (v instanceof Boolean) {
            return "bool";
        } else if (v instanceof Long) {
            return "int";
        } else if (v instanceof Double) {
            return "float";
        } else if (v instanceof String) {
            return "str";
        } else if (v instanceof PyTuple) {
            return "tuple";
        } else if (v instanceof List) {
            return "list";
        } else if (v instanceof Map) {
            return "dict";
        } else if (v instanceof Namespace) {
            return "Namespace";
        } else if (v instanceof Undefined) {
            return "Undefined";
        } else if (v instanceof PyCallable) {
            return "function";
        }
        return v.getClass().getSimpleName();
    }

    /** How jinja2 names an object in an undefined message: "'dict object' has no attribute ...". */
    static String typeDescription(Object v) {
        return v == null ? "None" : typeName(v) + " object";
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        } else if (v instanceof Boolean) {
            return (Boolean) v;
        } else if (v instanceof Long) {
            return (Long) v != 0;
        } else if (v instanceof Double) {
            return (Double) v != 0;
        } else if (v instanceof String) {
            return !((String) v).isEmpty();
        } else if (v instanceof List) {
            return !((List<?>) v).isEmpty();
        } else if (v instanceof Map) {
            return !((Map<?, ?>) v).isEmpty();
        }
        return true;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    /** An int (or bool, which is an int in Python) as a long. */
    static long asLong(Object v) {
        if (v instanceof Boolean) {
            return (Boolean) v ? 1 : 0;
        }
        return (Long) v;
    }

    static double asDouble(Object v) {
        if (v instanceof Double) {
            return (Double) v;
        }
        return asLong(v);
    }

    static boolean isIntLike(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    /** Python's {@code ==}. */
    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isIntLike(a) && isIntLike(b)) {
                return asLong(a) == asLong(b);
            }
            return asDouble(a) == asDouble(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        if (a instanceof List && b instanceof List) {
            return (a instanceof PyTuple) == (b instanceof PyTuple) && listsEqual((List<?>) a, (List<?>) b);
        }
        if (a instanceof Map && b instanceof Map) {
            return mapsEqual((Map<?, ?>) a, (Map<?, ?>) b);
        }
        return false;
    }

    private static boolean listsEqual(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!equal(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean mapsEqual(Map<?, ?> a, Map<?, ?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<?, ?> e : a.entrySet()) {
            Object key = findKey(b, e.getKey());
            if (key == null && !b.containsKey(null) || !equal(e.getValue(), b.get(key))) {
                return false;
            }
        }
        return true;
    }

    /** The key of {@code map} equal to {@code key} in Python's sense (1 == 1.0 == True). */
    static Object findKey(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) {
            return key;
        }
        if (isNumber(key)) {
            for (Object k : map.keySet()) {
                if (isNumber(k) && equal(k, key)) {
                    return k;
                }
            }
        }
        return null;
    }

    static boolean containsKey(Map<?, ?> map, Object key) {
        return map.containsKey(key) || findKey(map, key) != null;
    }

    static Object lookup(Map<?, ?> map, Object key) {
        return map.get(findKey(map, key));
    }

    /** Python's ordering ({@code <} is compare(a, b) < 0); mismatched types raise a TypeError. */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined) {
            throw ((Undefined) a).error();
        }
        if (b instanceof Undefined) {
            throw ((Undefined) b).error();
        }
        if (isNumber(a) && isNumber(b)) {
            if (isIntLike(a) && isIntLike(b)) {
                return Long.compare(asLong(a), asLong(b));
            }
            return Double.compare(asDouble(a), asDouble(b));
        }
        if (a instanceof String && b instanceof String) {
            return PyStrings.compare((String) a, (String) b);
        }
        if (a instanceof List && b instanceof List && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw JinjaError.type("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    /** Python's {@code iter()}: lists, dict keys, a string's characters; Undefined is empty. */
    static Iterator<Object> iterate(Object v) {
        return asList(v).iterator();
    }

    @SuppressWarnings("unchecked")
    static List<Object> asList(Object v) {
        if (v instanceof List) {
            return (List<Object>) v;
        }
        if (v instanceof Map) {
            return new ArrayList<>(((Map<Object, Object>) v).keySet());
        }
        if (v instanceof String) {
            return new ArrayList<>(PyStrings.characters((String) v));
        }
        if (v instanceof Undefined) {
            return List.of();
        }
        throw JinjaError.type("'" + typeName(v) + "' object is not iterable");
    }

    static long length(Object v) {
        if (v instanceof String) {
            return PyStrings.length((String) v);
        } else if (v instanceof List) {
            return ((List<?>) v).size();
        } else if (v instanceof Map) {
            return ((Map<?, ?>) v).size();
        } else if (v instanceof Undefined) {
            return 0;
        }
        throw JinjaError.type("object of type '" + typeName(v) + "' has no len()");
    }

    /** Python's {@code x in container}. */
    static boolean contains(Object container, Object item) {
        if (container instanceof String) {
            if (!(item instanceof String)) {
                throw JinjaError.type("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return ((String) container).contains((String) item);
        }
        if (container instanceof Map) {
            return containsKey((Map<?, ?>) container, item);
        }
        if (container instanceof List) {
            for (Object o : (List<?>) container) {
                if (equal(o, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Undefined) {
            return false;
        }
        throw JinjaError.type("argument of type '" + typeName(container) + "' is not iterable");
    }
}
