package dev.cohort.trainer.internal.tokenizer.hf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** Test files and Hugging Face's Rust tokenizers (through DJL) as the reference. */
final class Reference implements AutoCloseable {

    final byte[] json;
    final HfTokenizer java;
    final HuggingFaceTokenizer rust;

    Reference(byte[] json, String name) throws IOException {
        this.json = json;
        this.java = TokenizerJson.read(json, name, -1);
        this.rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
    }

    static byte[] resource(String name) {
        try (InputStream in = Reference.class.getResourceAsStream("/tokenizer/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource /tokenizer/" + name + " is missing");
            }
            return (name.endsWith(".gz") ? new GZIPInputStream(in) : in).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String corpus() {
        return new String(resource("corpus.txt"), StandardCharsets.UTF_8);
    }

    /** A tokenizer.json that is not committed (Meta's licence), if fetch-meta-tokenizers.sh put it here. */
    static Optional<byte[]> local(String name) throws IOException {
        Path p = Path.of(System.getProperty("user.home"), ".cache", "cohort", "tokenizers", name, "tokenizer.json");
        return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    int[] rustEncode(String text, boolean addSpecial) {
        return Arrays.stream(rust.encode(text, addSpecial, false).getIds()).mapToInt(l -> (int) l).toArray();
    }

    String rustDecode(int[] ids, boolean skipSpecial) {
        return rust.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecial);
    }

    @Override
    public void close() {
        rust.close();
    }
}
