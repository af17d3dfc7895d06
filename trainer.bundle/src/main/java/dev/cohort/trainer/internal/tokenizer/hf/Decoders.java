package dev.cohort.trainer.internal.tokenizer.hf;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Hugging Face's ByteFallback, Fuse, Strip, Replace and Sequence decoders. */
final class Decoders {

    private Decoders() {
    }

    /** Runs of {@code <0xXX>} tokens become their UTF-8 text, or one U+FFFD per byte when invalid. */
    static final Decoder BYTE_FALLBACK = tokens -> {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                run.write(b);
                continue;
            }
            flush(run, out);
            out.add(t);
        }
        flush(run, out);
        return out;
    };

    static final Decoder FUSE = tokens -> List.of(String.join("", tokens));

    private static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(t.charAt(3), 16);
        int lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static void flush(ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) {
            return;
        }
        byte[] bytes = run.toByteArray();
        run.reset();
        Utf8.decodeStrict(bytes).ifPresentOrElse(out::add, () -> {
            for (int i = 0; i < bytes.length; i++) {
                out.add("\uFFFD");
            }
        });
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters per token. */
    static Decoder strip(int content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                for (int i = 0; i < stop && to > 0 && cps[to - 1] == content; i++) {
                    to--;
                }
                out.add(from >= to ? "" : new String(cps, from, to - from));
            }
            return out;
        };
    }

    /** Replaces every match of {@code pattern} in each token by {@code content}. */
    static Decoder replace(Pattern pattern, String content) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                out.add(Normalizers.replaceAll(pattern, t, content));
            }
            return out;
        };
    }

    static Decoder sequence(List<Decoder> decoders) {
        return tokens -> {
            List<String> t = tokens;
            for (Decoder d : decoders) {
                t = d.decodeChain(t);
            }
            return t;
        };
    }
}
