package dev.cohort.plugins.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may read the dashboard: requests from the loopback interface always; from other hosts only
 * with the configured access token (as the {@code token} query parameter, which also sets a
 * cookie for the page's later requests, the cookie, or an {@code Authorization: Bearer} header).
 * Without a token, other hosts are let in only when the dashboard was bound to a non-loopback
 * address on purpose; it warns about that when it starts.
 */
record Access(String token) {

    static final String COOKIE = "cohort_dashboard_token";

    boolean hasToken() {
        return token != null && !token.isBlank();
    }

    /**
     * @param remoteAddress the client's address
     * @param presented the tokens the request carries (query parameter, cookie, header), nulls allowed
     */
    boolean allows(String remoteAddress, String... presented) {
        if (isLoopback(remoteAddress) || !hasToken()) {
            return true;
        }
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        for (String p : presented) {
            if (p != null && MessageDigest.isEqual(expected, p.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        return false;
    }

    /** A literal address (or host name) on the loopback interface; false when it cannot be told. */
    static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
