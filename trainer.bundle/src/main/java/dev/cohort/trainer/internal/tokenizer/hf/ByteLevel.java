package dev.cohort.trainer.internal.tokenizer.hf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level mapping: every UTF-8 byte becomes one printable character (bytes that are
 * printable Latin-1 map to themselves, the others to U+0100 and up), as a pre-tokenizer and as a
 * decoder.
 */
public final class ByteLevel {

    /** GPT-2's split, used when {@code use_regex} is set. */
    static final Pattern GPT2_SPLIT = Regexes.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static final char[] BYTE_CHAR = new char[256];
    private static final int[] CHAR_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            BYTE_CHAR[b] = (char) (printable ? b : 256 + n++);
            CHAR_BYTE[BYTE_CHAR[b]] = b;
        }
    }

    private ByteLevel() {
    }

    static PreTokenizer preTokenizer(boolean addPrefixSpace, boolean useRegex) {
        return (piece, out) -> {
            String s = piece.text();
            if (addPrefixSpace && !s.startsWith(" ")) {
                s = " " + s;
            }
            Piece p = new Piece(s, piece.first());
            if (!useRegex) {
                out.add(new Piece(toChars(s), p.first()));
                return;
            }
            int from = out.size();
            Splits.ofRegex(GPT2_SPLIT, s).emit(p, Splits.Behavior.ISOLATED, out);
            for (int i = from; i < out.size(); i++) {
                Piece q = out.get(i);
                out.set(i, new Piece(toChars(q.text()), q.first()));
            }
        };
    }

    /** The byte-level characters of {@code bytes} (a token's string in GPT-2's vocabulary). */
    public static String charsOf(byte[] bytes) {
        char[] c = new char[bytes.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = BYTE_CHAR[bytes[i] & 0xFF];
        }
        return new String(c);
    }

    /** The byte-level characters of {@code s}'s UTF-8 encoding. */
    static String toChars(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                sb.append(BYTE_CHAR[c]);
            } else if (c < 0x800) {
                sb.append(BYTE_CHAR[0xC0 | (c >> 6)]).append(BYTE_CHAR[0x80 | (c & 0x3F)]);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                sb.append(BYTE_CHAR[0xF0 | (cp >> 18)]).append(BYTE_CHAR[0x80 | ((cp >> 12) & 0x3F)])
                        .append(BYTE_CHAR[0x80 | ((cp >> 6) & 0x3F)]).append(BYTE_CHAR[0x80 | (cp & 0x3F)]);
            } else {
                int cp = Character.isSurrogate(c) ? 0xFFFD : c;
                sb.append(BYTE_CHAR[0xE0 | (cp >> 12)]).append(BYTE_CHAR[0x80 | ((cp >> 6) & 0x3F)])
                        .append(BYTE_CHAR[0x80 | (cp & 0x3F)]);
            }
        }
        return sb.toString();
    }

    /**
     * The decoder: each token's characters back to bytes (a token with a character outside the
     * mapping contributes its own UTF-8 bytes), then all bytes as UTF-8 with U+FFFD for invalid
     * sequences.
     */
    static final Decoder DECODER = tokens -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            byte[] mapped = toBytes(t);
            byte[] b = mapped != null ? mapped : t.getBytes(StandardCharsets.UTF_8);
            bytes.write(b, 0, b.length);
        }
        return List.of(Utf8.decodeLossy(bytes.toByteArray()));
    };

    private static byte[] toBytes(String token) {
        byte[] b = new byte[token.length()];
        for (int i = 0; i < b.length; i++) {
            char c = token.charAt(i);
            if (c >= CHAR_BYTE.length || CHAR_BYTE[c] < 0) {
                return null;
            }
            b[i] = (byte) CHAR_BYTE[c];
        }
        return b;
    }
}
