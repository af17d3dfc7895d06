package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void escapesWhatRfc8259RequiresAndMarkupCharacters() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001\\u003c/script\\u003e \\u0026 \\u2028\"",
                Json.quote("a\"b\\c\nd\te\u0001</script> & \u2028"));
        assertEquals("\"Grüße 🙂\"", Json.quote("Grüße 🙂"), "other characters pass unchanged");
    }

    @Test
    void numbersAreExactAndNonFiniteValuesAreNull() {
        assertEquals("0.1", Json.number(0.1));
        assertEquals("3", Json.number(3.0));
        assertEquals("-2.5E-7", Json.number(-2.5e-7));
        assertEquals("1.0E15", Json.number(1e15));
        assertEquals(0.30000000000000004, Double.parseDouble(Json.number(0.1 + 0.2)), 0.0, "round-trips");
        assertEquals("null", Json.number(Double.NaN));
        assertEquals("null", Json.number(Double.POSITIVE_INFINITY));
    }

    @Test
    void nestsObjectsAndArraysWithCommasInPlace() {
        String s = new Json().beginObject().field("a", 1L).name("b").beginArray().value("x").value(2.5)
                .beginObject().endObject().endArray().field("c", true).name("d").raw("[1,2]").endObject().toString();
        assertEquals("{\"a\":1,\"b\":[\"x\",2.5,{}],\"c\":true,\"d\":[1,2]}", s);
    }
}
