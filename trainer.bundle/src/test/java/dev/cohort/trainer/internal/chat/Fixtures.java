package dev.cohort.trainer.internal.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/** The committed fixtures that make_chat_template_fixtures.py rendered with transformers and jinja2. */
final class Fixtures {

    private Fixtures() {
    }

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/chat/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(String name) throws IOException {
        return new ObjectMapper().readValue(resource(name).toFile(), Map.class);
    }

    /** A clock whose local time is the fixture's {@code now}, as the fixtures' frozen datetime.now(). */
    static Clock clock(Map<String, Object> fixture) {
        LocalDateTime now = LocalDateTime.parse((String) fixture.get("now"));
        return Clock.fixed(now.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }
}
