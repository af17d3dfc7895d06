package dev.cohort.trainer.internal.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.cohort.trainer.internal.tokenizer.hf.ByteLevel;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * GPT-2's byte-level BPE: JTokkit's r50k_base, with {@code <|endoftext|>} = 50256 as EOS (also
 * where that text occurs in the input, as Hugging Face's GPT-2 tokenizer reads it).
 */
public final class Gpt2Tokenizer implements Tokenizer {

    public static final int VOCAB_SIZE = 50257;
    public static final int EOS = 50256;
    public static final String EOS_TOKEN = "<|endoftext|>";

    private volatile Map<String, Integer> vocabulary;
    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public String name() {
        return "gpt2";
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IntArrayList out = new IntArrayList();
        int from = 0;
        for (int at = text.indexOf(EOS_TOKEN); at >= 0; at = text.indexOf(EOS_TOKEN, from)) {
            append(out, encoding.encodeOrdinary(text.substring(from, at)));
            out.add(EOS);
            from = at + EOS_TOKEN.length();
        }
        append(out, encoding.encodeOrdinary(text.substring(from)));
        return out.toArray();
    }

    private static void append(IntArrayList out, IntArrayList ids) {
        for (int i = 0; i < ids.size(); i++) {
            out.add(ids.get(i));
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside GPT-2's vocabulary of " + VOCAB_SIZE);
            }
            if (id != EOS || !skipSpecialTokens) {
                list.add(id);
            }
        }
        return encoding.decode(list);
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = vocabulary().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> idToToken(int id) {
        if (id == EOS) {
            return Optional.of(EOS_TOKEN);
        }
        if (id < 0 || id >= VOCAB_SIZE) {
            return Optional.empty();
        }
        IntArrayList one = new IntArrayList(1);
        one.add(id);
        return Optional.of(ByteLevel.charsOf(encoding.decodeBytes(one)));
    }

    /** Token strings (GPT-2's byte-level characters) to ids, built on first use. */
    private Map<String, Integer> vocabulary() {
        Map<String, Integer> v = vocabulary;
        if (v == null) {
            v = new HashMap<>();
            for (int id = 0; id < VOCAB_SIZE; id++) {
                v.put(idToToken(id).orElseThrow(), id);
            }
            vocabulary = v;
        }
        return v;
    }

    @Override
    public Set<Integer> specialIds() {
        return Set.of(EOS);
    }
}
