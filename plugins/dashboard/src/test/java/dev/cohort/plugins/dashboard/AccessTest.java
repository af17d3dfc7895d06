package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccessTest {

    @Test
    void loopbackIsAlwaysAllowedOtherHostsNeedTheToken() {
        Access a = new Access("s3cret");
        assertTrue(a.allows("127.0.0.1"));
        assertTrue(a.allows("::1"));
        assertFalse(a.allows("192.0.2.7"));
        assertFalse(a.allows("192.0.2.7", null, "wrong", "s3cre"));
        assertTrue(a.allows("192.0.2.7", null, null, "s3cret"));
    }

    @Test
    void withoutATokenOtherHostsAreLetIn() {
        assertTrue(new Access("").allows("192.0.2.7"));
        assertFalse(new Access(" ").hasToken());
        assertFalse(Access.isLoopback("0.0.0.0"));
        assertTrue(Access.isLoopback("localhost"));
    }
}
