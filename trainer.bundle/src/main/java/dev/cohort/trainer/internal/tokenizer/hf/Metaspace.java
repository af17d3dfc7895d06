package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.ArrayList;
import java.util.List;

/** SentencePiece's spaces: ' ' becomes the replacement (U+2581), as a pre-tokenizer and as a decoder. */
final class Metaspace {

    /** Hugging Face's {@code PrependScheme}. */
    enum Prepend {
        ALWAYS, FIRST, NEVER
    }

    private Metaspace() {
    }

    static PreTokenizer preTokenizer(char replacement, Prepend scheme, boolean split) {
        String rep = String.valueOf(replacement);
        return (piece, out) -> {
            String s = piece.text().replace(' ', replacement);
            boolean prepend = scheme == Prepend.ALWAYS || (scheme == Prepend.FIRST && piece.first());
            if (prepend && !s.startsWith(rep) && !s.isEmpty()) {
                s = rep + s;
            }
            Piece p = new Piece(s, piece.first());
            if (split) {
                Splits.ofCodePoints(s, cp -> cp == replacement).emit(p, Splits.Behavior.MERGED_WITH_NEXT, out);
            } else {
                out.add(p);
            }
        };
    }

    /** Replacements become spaces, but in the first token they are dropped unless the scheme is never. */
    static Decoder decoder(char replacement, Prepend scheme) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i == 0 && scheme != Prepend.NEVER) {
                    out.add(t.replace(String.valueOf(replacement), ""));
                } else {
                    out.add(t.replace(replacement, ' '));
                }
            }
            return out;
        };
    }
}
