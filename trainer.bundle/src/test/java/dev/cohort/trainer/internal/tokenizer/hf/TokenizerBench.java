package dev.cohort.trainer.internal.tokenizer.hf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * Encoding throughput (not a test): the Java tokenizer.json implementation and Hugging Face's Rust
 * tokenizers through DJL, in the same run, on a ~10 MB mixed corpus (the repository's Java sources
 * and Markdown, and the multilingual test corpus, as 4 KB documents), with 1 and 2 threads. Qwen3
 * always; Llama 3 when fetch-meta-tokenizers.sh has put it in ~/.cache. Arguments: [runs] [MB].
 */
public final class TokenizerBench {

    private TokenizerBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int mb = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<String> docs = corpus(mb << 20);
        long bytes = docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
        System.out.printf("TokenizerBench: %d documents, %.1f MB, %s %s, %d runs (median after 2 warm-up runs)%n",
                docs.size(), bytes / 1e6, System.getProperty("java.vm.name"), System.getProperty("java.version"), runs);
        bench("qwen3", Reference.resource("qwen3.tokenizer.json.gz"), docs, bytes, runs);
        byte[] llama3 = Reference.local("llama3").orElse(null);
        if (llama3 == null) {
            System.out.println("llama3: skipped (no ~/.cache/cohort/tokenizers/llama3/tokenizer.json)");
        } else {
            bench("llama3", llama3, docs, bytes, runs);
        }
    }

    private static void bench(String name, byte[] json, List<String> docs, long bytes, int runs) throws Exception {
        HfTokenizer java = TokenizerJson.read(json, name, -1);
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                Map.of("truncation", "false", "padding", "false"))) {
            ToIntFunction<String> j = d -> java.encode(d, false).length;
            ToIntFunction<String> r = d -> rust.encode(d, false, false).getIds().length;
            for (int threads = 1; threads <= 2; threads++) {
                double[][] t = measure(List.of(j, r), docs, threads, runs);
                if (t[0][1] != t[1][1]) {
                    throw new IllegalStateException(name + ": Java gave " + t[0][1] + " tokens, Rust " + t[1][1]);
                }
                System.out.printf("%-7s %d thread%s  Java %6.2f MB/s %9.0f tokens/s | Rust (DJL) %6.2f MB/s %9.0f "
                                + "tokens/s | Java/Rust %.2f%n", name, threads, threads == 1 ? " " : "s",
                        bytes / t[0][0] / 1e6, t[0][1] / t[0][0], bytes / t[1][0] / 1e6, t[1][1] / t[1][0],
                        t[1][0] / t[0][0]);
            }
        }
    }

    /**
     * For each encoder, {median seconds, tokens} over {@code runs} runs after two warm-up runs; the
     * encoders take turns within each run, so that load from elsewhere falls on both alike.
     */
    private static double[][] measure(List<ToIntFunction<String>> encoders, List<String> docs, int threads, int runs)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double[][] secs = new double[encoders.size()][runs];
            double[][] out = new double[encoders.size()][2];
            for (int i = -2; i < runs; i++) {
                for (int e = 0; e < encoders.size(); e++) {
                    long t0 = System.nanoTime();
                    out[e][1] = encodeAll(pool, encoders.get(e), docs, threads);
                    if (i >= 0) {
                        secs[e][i] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            for (int e = 0; e < encoders.size(); e++) {
                Arrays.sort(secs[e]);
                out[e][0] = secs[e][runs / 2];
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    private static long encodeAll(ExecutorService pool, ToIntFunction<String> encode, List<String> docs, int threads)
            throws Exception {
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = docs.size() * t / threads;
            int to = docs.size() * (t + 1) / threads;
            parts.add(pool.submit(() -> docs.subList(from, to).stream().mapToLong(encode::applyAsInt).sum()));
        }
        long tokens = 0;
        for (Future<Long> f : parts) {
            tokens += f.get();
        }
        return tokens;
    }

    /** Lines of code, prose and the multilingual corpus, shuffled with a fixed seed, cut into 4 KB documents. */
    static List<String> corpus(int targetBytes) throws IOException {
        List<String> lines = new ArrayList<>();
        Path root = Path.of("..");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(p -> {
                String s = p.toString();
                return (s.endsWith(".java") || s.endsWith(".md")) && !s.contains("/target/") && !s.contains("/.git/");
            }).sorted()::iterator) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        List<String> multilingual = List.of(Reference.corpus().split("\n"));
        for (int i = 0; i < 40; i++) {
            lines.addAll(multilingual);
        }
        List<String> docs = new ArrayList<>();
        Random random = new Random(1);
        long total = 0;
        StringBuilder doc = new StringBuilder();
        while (total < targetBytes) {
            Collections.shuffle(lines, random);
            for (String l : lines) {
                doc.append(l).append('\n');
                if (doc.length() >= 4096) {
                    total += doc.length();
                    docs.add(doc.toString());
                    doc.setLength(0);
                    if (total >= targetBytes) {
                        break;
                    }
                }
            }
        }
        return docs;
    }
}
