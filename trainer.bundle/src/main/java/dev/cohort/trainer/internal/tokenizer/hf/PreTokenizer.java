package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.List;

/** One of Hugging Face's pre-tokenizers: splits (and may rewrite) a piece; empty pieces are dropped. */
@FunctionalInterface
interface PreTokenizer {

    void split(Piece piece, List<Piece> out);

    /** Applies this pre-tokenizer to every piece, as Hugging Face's {@code PreTokenizedString.split}. */
    default List<Piece> apply(List<Piece> pieces) {
        List<Piece> out = new java.util.ArrayList<>(pieces.size() * 2);
        List<Piece> tmp = new java.util.ArrayList<>();
        for (Piece p : pieces) {
            tmp.clear();
            split(p, tmp);
            for (Piece q : tmp) {
                if (!q.text().isEmpty()) {
                    out.add(q);
                }
            }
        }
        return out;
    }
}
