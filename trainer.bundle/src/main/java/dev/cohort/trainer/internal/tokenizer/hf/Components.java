package dev.cohort.trainer.internal.tokenizer.hf;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Normalizers, pre-tokenizers, post-processors and decoders from their tokenizer.json objects. */
final class Components {

    private Components() {
    }

    static Normalizer normalizer(JsonPath j) {
        if (j.isNull()) {
            return null;
        }
        switch (j.type()) {
            case "NFC": return Normalizers.unicode(Form.NFC);
            case "NFD": return Normalizers.unicode(Form.NFD);
            case "NFKC": return Normalizers.unicode(Form.NFKC);
            case "NFKD": return Normalizers.unicode(Form.NFKD);
            case "Lowercase": return Normalizers.LOWERCASE;
            case "Prepend": return Normalizers.prepend(j.text("prepend"));
            case "Replace": return Normalizers.replace(pattern(j.get("pattern")), j.text("content"));
            case "Strip": return Normalizers.strip(j.bool("strip_left", false), j.bool("strip_right", false));
            case "Sequence": {
                List<Normalizer> list = new ArrayList<>();
                JsonPath items = j.get("normalizers");
                for (int i = 0; i < items.node().size(); i++) {
                    list.add(normalizer(items.get(i)));
                }
                return Normalizers.sequence(list);
            }
            default:
                throw j.unsupported("normalizer", "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence");
        }
    }

    static PreTokenizer preTokenizer(JsonPath j) {
        if (j.isNull()) {
            return null;
        }
        switch (j.type()) {
            case "ByteLevel":
                return ByteLevel.preTokenizer(j.bool("add_prefix_space", true), j.bool("use_regex", true));
            case "Metaspace":
                return Metaspace.preTokenizer(replacement(j), prependScheme(j), j.bool("split", true));
            case "Split": {
                Splits.Behavior b = behavior(j);
                Pattern p = pattern(j.get("pattern"));
                boolean invert = j.bool("invert", false);
                return (piece, out) -> {
                    Splits s = Splits.ofRegex(p, piece.text());
                    (invert ? s.invert() : s).emit(piece, b, out);
                };
            }
            case "Digits": {
                Splits.Behavior b = j.bool("individual_digits", false) ? Splits.Behavior.ISOLATED
                        : Splits.Behavior.CONTIGUOUS;
                return (piece, out) -> Splits.ofCodePoints(piece.text(), Regexes::isNumeric).emit(piece, b, out);
            }
            case "Sequence": {
                List<PreTokenizer> list = new ArrayList<>();
                JsonPath items = j.get("pretokenizers");
                for (int i = 0; i < items.node().size(); i++) {
                    list.add(preTokenizer(items.get(i)));
                }
                return sequence(list);
            }
            default:
                throw j.unsupported("pre-tokenizer", "ByteLevel, Metaspace, Split, Digits, Sequence");
        }
    }

    private static PreTokenizer sequence(List<PreTokenizer> list) {
        return new PreTokenizer() {
            @Override
            public void split(Piece piece, List<Piece> out) {
                out.addAll(apply(List.of(piece)));
            }

            @Override
            public List<Piece> apply(List<Piece> pieces) {
                for (PreTokenizer p : list) {
                    pieces = p.apply(pieces);
                }
                return pieces;
            }
        };
    }

    static Decoder decoder(JsonPath j) {
        if (j.isNull()) {
            return null;
        }
        switch (j.type()) {
            case "ByteLevel": return ByteLevel.DECODER;
            case "Metaspace": return Metaspace.decoder(replacement(j), prependScheme(j));
            case "ByteFallback": return Decoders.BYTE_FALLBACK;
            case "Fuse": return Decoders.FUSE;
            case "Strip":
                return Decoders.strip(j.text("content").codePointAt(0), j.node().path("start").asInt(),
                        j.node().path("stop").asInt());
            case "Replace": return Decoders.replace(pattern(j.get("pattern")), j.text("content"));
            case "Sequence": {
                List<Decoder> list = new ArrayList<>();
                JsonPath items = j.get("decoders");
                for (int i = 0; i < items.node().size(); i++) {
                    list.add(decoder(items.get(i)));
                }
                return Decoders.sequence(list);
            }
            default:
                throw j.unsupported("decoder", "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence");
        }
    }

    /** {"String": literal} or {"Regex": pattern}. */
    static Pattern pattern(JsonPath j) {
        if (j.node().has("String")) {
            return Regexes.literal(j.node().get("String").asText());
        }
        if (j.node().has("Regex")) {
            String regex = j.node().get("Regex").asText();
            try {
                return Regexes.compile(regex);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw j.error("regular expression " + regex + " does not compile: " + e.getDescription());
            }
        }
        throw j.error("pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + j.node());
    }

    private static Splits.Behavior behavior(JsonPath j) {
        String b = j.text("behavior");
        switch (b) {
            case "Removed": return Splits.Behavior.REMOVED;
            case "Isolated": return Splits.Behavior.ISOLATED;
            case "MergedWithPrevious": return Splits.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext": return Splits.Behavior.MERGED_WITH_NEXT;
            case "Contiguous": return Splits.Behavior.CONTIGUOUS;
            default: throw j.error("behavior \"" + b + "\" is not one of Removed, Isolated, MergedWithPrevious, "
                    + "MergedWithNext, Contiguous");
        }
    }

    private static char replacement(JsonPath j) {
        String r = j.text("replacement");
        if (r.length() != 1) {
            throw j.error("replacement must be one character, got \"" + r + "\"");
        }
        return r.charAt(0);
    }

    /** {@code prepend_scheme} (default always); the older {@code add_prefix_space: false} means never. */
    private static Metaspace.Prepend prependScheme(JsonPath j) {
        if (!j.bool("add_prefix_space", true)) {
            return Metaspace.Prepend.NEVER;
        }
        String s = j.node().path("prepend_scheme").asText("always");
        switch (s) {
            case "always": return Metaspace.Prepend.ALWAYS;
            case "first": return Metaspace.Prepend.FIRST;
            case "never": return Metaspace.Prepend.NEVER;
            default: throw j.error("prepend_scheme \"" + s + "\" is not one of always, first, never");
        }
    }
}
