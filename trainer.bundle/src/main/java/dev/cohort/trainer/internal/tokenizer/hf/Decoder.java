package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.List;

/** One of Hugging Face's decoders: a step of {@code decode_chain} over the token strings. */
@FunctionalInterface
interface Decoder {

    List<String> decodeChain(List<String> tokens);
}
