package dev.cohort.trainer.internal.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python's {@code %} formatting, {@code str.format} and {@code strftime}, in the parts templates use. */
final class PyFormat {

    private PyFormat() {
    }

    /** {@code format % args} with %s, %r, %d, %i, %f (with a precision) and %%. */
    static String percent(String format, Object args) {
        List<Object> values = args instanceof PyTuple ? (PyTuple) args : Collections.singletonList(args);
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            int precision = -1;
            if (j < format.length() && format.charAt(j) == '.') {
                int k = j + 1;
                while (k < format.length() && Character.isDigit(format.charAt(k))) {
                    k++;
                }
                precision = Integer.parseInt(format.substring(j + 1, k));
                j = k;
            }
            if (j >= format.length()) {
                throw JinjaError.value("incomplete format");
            }
            char conv = format.charAt(j);
            i = j;
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (next >= values.size()) {
                throw JinjaError.type("not enough arguments for format string");
            }
            out.append(convert(conv, precision, values.get(next++)));
        }
        if (next < values.size()) {
            throw JinjaError.type("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static String convert(char conv, int precision, Object v) {
        switch (conv) {
            case 's':
                return PyRepr.str(v);
            case 'r':
                return PyRepr.repr(v);
            case 'd':
            case 'i':
                if (!PyValues.isNumber(v)) {
                    throw JinjaError.type("%" + conv + " format: a real number is required, not "
                            + PyValues.typeName(v));
                }
                return Long.toString(v instanceof Double ? (long) (double) (Double) v : PyValues.asLong(v));
            case 'f':
                if (!PyValues.isNumber(v)) {
                    throw JinjaError.type("must be real number, not " + PyValues.typeName(v));
                }
                return PyNumbers.fixed(PyValues.asDouble(v), precision < 0 ? 6 : precision);
            default:
                throw JinjaError.value("unsupported format character '" + conv + "'");
        }
    }

    /** {@code str.format} with {}, {0} and {name} fields and no format specs. */
    static String format(String format, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < format.length() && format.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int end = format.indexOf('}', i);
                if (end < 0) {
                    throw JinjaError.value("Single '{' encountered in format string");
                }
                String field = format.substring(i + 1, end);
                Object v;
                if (field.isEmpty()) {
                    v = positional(args, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    v = positional(args, Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    v = kwargs.get(field);
                } else {
                    throw new JinjaError("KeyError", "'" + field + "' (str.format fields with specs or attributes "
                            + "are not supported)");
                }
                out.append(PyRepr.str(v));
                i = end;
            } else if (c == '}') {
                throw JinjaError.value("Single '}' encountered in format string");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            throw new JinjaError("IndexError", "Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }

    /** Python's {@code datetime.strftime} in the C locale, for the common directives. */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            out.append(directive(t, format.charAt(++i)));
        }
        return out.toString();
    }

    private static String directive(LocalDateTime t, char d) {
        switch (d) {
            case 'd': return two(t.getDayOfMonth());
            case 'm': return two(t.getMonthValue());
            case 'Y': return String.format("%04d", t.getYear());
            case 'y': return two(t.getYear() % 100);
            case 'H': return two(t.getHour());
            case 'I': return two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
            case 'M': return two(t.getMinute());
            case 'S': return two(t.getSecond());
            case 'p': return t.getHour() < 12 ? "AM" : "PM";
            case 'f': return String.format("%06d", t.getNano() / 1000);
            case 'j': return String.format("%03d", t.getDayOfYear());
            case 'b': return t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B': return t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'a': return t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A': return t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'w': return Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u': return Integer.toString(t.getDayOfWeek().getValue());
            case 'e': return String.format("%2d", t.getDayOfMonth());
            case 'D': return two(t.getMonthValue()) + "/" + two(t.getDayOfMonth()) + "/" + two(t.getYear() % 100);
            case 'F': return String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
            case 'T': return two(t.getHour()) + ":" + two(t.getMinute()) + ":" + two(t.getSecond());
            case '%': return "%";
            default:
                throw JinjaError.value("strftime directive %" + d + " is not supported");
        }
    }

    private static String two(int v) {
        return String.format("%02d", v);
    }
}
