package dev.cohort.core.internal.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunLedgerTest {

    @Test
    void describesStepsPerRunAcrossSegments() {
        RunLedger l = new RunLedger();
        for (long s = 1; s <= 10; s++) {
            l.record(s, "a", s + 99); // steps 100..109
        }
        l.record(11, "b", 0);
        l.record(12, "b", 1);
        l.record(13, "b", 1); // a resumed run repeats a step: a new segment
        l.end("a", 10);
        assertEquals("steps 104-109 of run a (ended), steps 0-1 of run b, step 1 of run b", l.describe(5, 13));
        assertEquals("step 100 of run a (ended)", l.describe(1, 1));
        assertEquals("no steps", l.describe(4, 3));
    }

    @Test
    void aRunEndsUpToItsLastBatchOnly() {
        RunLedger l = new RunLedger();
        l.record(1, "a", 0);
        l.end("a", 1);
        l.record(2, "a", 0); // the same id started again (a resume)
        assertTrue(l.isEnded("a", 1));
        assertFalse(l.isEnded("a", 2));
        assertFalse(l.isEnded("b", 1));
    }

    @Test
    void numbersOlderThanTheLedgerAreCounted() {
        RunLedger l = new RunLedger();
        for (long s = 1; s <= RunLedger.MAX_SEGMENTS + 10; s++) {
            l.record(s, "r" + s, 0);
        }
        assertEquals("10 batch(es) no longer on record", l.describe(1, 10));
        assertEquals("5 earlier batch(es), step 0 of run r11", l.describe(6, 11));
    }
}
