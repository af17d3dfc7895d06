package dev.cohort.trainer.internal.chat;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Python's number conversions and rounding, done on the exact binary value as CPython does. */
final class PyNumbers {

    private PyNumbers() {
    }

    /** {@code '%.Nf' % d}. */
    static String fixed(double d, int precision) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return PyRepr.floatRepr(d);
        }
        return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** {@code round(d, ndigits)}: half to even on the exact value of the double. */
    static double round(double d, long ndigits) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return d;
        }
        return new BigDecimal(d).setScale((int) ndigits, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Python's {@code int(s)} for a string: optional sign, digits, underscores between digits. */
    static Long parseInt(String s, int base) {
        String t = PyStrings.strip(s, null, true, true).replace("_", "");
        try {
            if (base == 0 || base == 16 && t.toLowerCase().matches("[+-]?0x.*")) {
                return parsePrefixed(t);
            }
            return Long.parseLong(t, base);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long parsePrefixed(String t) {
        boolean negative = t.startsWith("-");
        String body = t.replaceFirst("^[+-]", "").toLowerCase();
        int base = 10;
        if (body.startsWith("0x")) {
            base = 16;
        } else if (body.startsWith("0o")) {
            base = 8;
        } else if (body.startsWith("0b")) {
            base = 2;
        }
        long v = Long.parseLong(base == 10 ? body : body.substring(2), base);
        return negative ? -v : v;
    }

    /** Python's {@code float(s)}, or null where Python raises a ValueError. */
    static Double parseFloat(String s) {
        String t = PyStrings.strip(s, null, true, true).toLowerCase();
        switch (t.replaceFirst("^[+]", "")) {
            case "inf": case "infinity": return Double.POSITIVE_INFINITY;
            case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
            case "nan": case "-nan": return Double.NaN;
            default:
                break;
        }
        if (!t.matches("[+-]?(\\d[\\d_]*)?(\\.[\\d_]*)?(e[+-]?\\d+)?") || !t.matches(".*\\d.*")) {
            return null;
        }
        return Double.parseDouble(t.replace("_", ""));
    }
}
