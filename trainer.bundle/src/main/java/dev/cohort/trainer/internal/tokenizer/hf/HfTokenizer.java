package dev.cohort.trainer.internal.tokenizer.hf;

import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} (BPE model) in pure Java: added tokens are split out of
 * the raw text, the rest is normalized (normalized added tokens split out again), pre-tokenized
 * and merged; the post-processor adds its tokens on request. Thread-safe.
 */
public final class HfTokenizer implements Tokenizer {

    private final String name;
    private final Pipeline p;
    private final int eos;
    private final int vocabSize;
    private final Map<String, byte[]> files;

    HfTokenizer(String name, Pipeline pipeline, int eos, Map<String, byte[]> files) {
        this.name = name;
        this.p = pipeline;
        this.eos = eos;
        this.vocabSize = Math.max(pipeline.model().size(), pipeline.added().maxId() + 1);
        this.files = Map.copyOf(files);
    }

    /** The same tokenizer with another EOS id. */
    public HfTokenizer withEos(int eosId) {
        return new HfTokenizer(name, p, eosId, files);
    }

    /** The same tokenizer, carrying the files it was read from (file name to content). */
    public HfTokenizer withFiles(Map<String, byte[]> sourceFiles) {
        return new HfTokenizer(name, p, eos, sourceFiles);
    }

    /** The files it was read from (tokenizer.json, tokenizer_config.json, ...), to be copied as they are. */
    public Map<String, byte[]> files() {
        return files;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 4);
        for (AddedTokenMatcher.Segment s : p.added().raw().split(text)) {
            if (s.id() >= 0) {
                ids.add(s.id());
            } else {
                encodeNormalized(text.substring(s.start(), s.end()), s.start() == 0, ids);
            }
        }
        int[] out = ids.toArray();
        return p.postProcessor() == null ? out : p.postProcessor().process(out, addSpecialTokens);
    }

    private void encodeNormalized(String raw, boolean first, IntList ids) {
        String n = p.normalizer() == null ? raw : p.normalizer().normalize(raw);
        for (AddedTokenMatcher.Segment s : p.added().normalized().split(n)) {
            if (s.id() >= 0) {
                ids.add(s.id());
                continue;
            }
            List<Piece> pieces = new ArrayList<>(1);
            pieces.add(new Piece(n.substring(s.start(), s.end()), first && s.start() == 0));
            if (p.preTokenizer() != null) {
                pieces = p.preTokenizer().apply(pieces);
            }
            for (Piece piece : pieces) {
                p.model().tokenize(piece.text(), ids);
            }
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = token(id);
            if (t != null && !(skipSpecialTokens && p.added().isSpecial(t))) {
                tokens.add(t);
            }
        }
        if (p.decoder() == null) {
            return String.join(" ", tokens);
        }
        return String.join("", p.decoder().decodeChain(tokens));
    }

    private String token(int id) {
        String t = p.added().content(id);
        return t != null ? t : p.model().token(id);
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = p.added().id(token);
        if (id == null) {
            id = p.model().id(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> idToToken(int id) {
        return Optional.ofNullable(token(id));
    }

    @Override
    public Set<Integer> specialIds() {
        return p.added().specialIds();
    }
}
