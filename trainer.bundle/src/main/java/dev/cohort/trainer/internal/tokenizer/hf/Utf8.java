package dev.cohort.trainer.internal.tokenizer.hf;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** UTF-8 decoding as Rust's {@code String::from_utf8} (strict) and {@code from_utf8_lossy}. */
final class Utf8 {

    private Utf8() {
    }

    /**
     * Invalid sequences become U+FFFD, one per maximal invalid subpart (the practice Rust and the
     * JDK's decoder both follow).
     */
    static String decodeLossy(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The text, or empty when the bytes are not valid UTF-8. */
    static Optional<String> decodeStrict(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer cb = d.decode(ByteBuffer.wrap(bytes));
            return Optional.of(cb.toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
