package dev.cohort.trainer.internal.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenizerTest {

    @Test
    void gpt2BpeKnownIds() {
        Tokenizer t = Tokenizer.forVocabulary(50257);
        // GPT-2's ids for "Hello world" and " the" (well-known values of the r50k_base vocabulary)
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
        assertArrayEquals(new int[] {262}, t.encode(" the"));
        assertEquals("Hello world", t.decode(new int[] {15496, 995, 50256}));
        assertEquals(50256, t.eos());
        // the EOS text is EOS, as Hugging Face's GPT-2 tokenizer reads it
        assertArrayEquals(new int[] {15496, 50256, 995}, t.encode("Hello<|endoftext|> world"));
        assertEquals("Hello<|endoftext|> world", t.decode(new int[] {15496, 50256, 995}, false));
        assertEquals(java.util.Set.of(50256), t.specialIds());
        String text = "Ünïcødé and emoji 😀, tabs\tand\nnew lines";
        assertEquals(text, t.decode(t.encode(text)));
    }

    @Test
    void charTokenizer() {
        CharTokenizer t = new CharTokenizer("0123456789+= ");
        assertEquals(14, t.vocabSize());
        assertEquals(13, t.eos());
        assertArrayEquals(new int[] {1, 10, 2, 11}, t.encode("1+2="));
        assertEquals("1+2=3", t.decode(new int[] {1, 10, 2, 11, 3, 13}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("1*2"));
        assertEquals("character '*' is not in the tokenizer's alphabet \"0123456789+= \"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer("aa"));
        assertArrayEquals(new int[] {1, 13, 2}, t.encode("1<|endoftext|>2"));
        assertEquals("1<|endoftext|>", t.decode(new int[] {1, 13}, false));
        assertEquals(13, t.tokenToId("<|endoftext|>").getAsInt());
        assertEquals("+", t.idToToken(10).orElseThrow());
    }
}
