package dev.cohort.trainer.internal.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/** GPT-2's byte-level BPE: JTokkit's r50k_base, with {@code <|endoftext|>} = 50256 as EOS. */
public final class Gpt2Tokenizer implements Tokenizer {

    public static final int VOCAB_SIZE = 50257;
    public static final int EOS = 50256;

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
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside GPT-2's vocabulary of " + VOCAB_SIZE);
            }
            if (id != EOS) {
                list.add(id);
            }
        }
        return encoding.decode(list);
    }
}
