package dev.cohort.itests.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Time from starting {@code java -jar target/run.jar} until the Gogo prompt appears, and until
 * Cohort's own command answers (every bundle started). Not a test: run by {@code ./cohort bench};
 * results in target/bench/startup.txt.
 */
class StartupBench {

    static final int RUNS = 7;

    @Test
    void startToPrompt() throws Exception {
        Path jar = Path.of(System.getProperty("cohort.runjar", "../target/run.jar"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        long[] prompt = new long[RUNS];
        long[] ready = new long[RUNS];
        for (int r = 0; r < RUNS; r++) {
            Path work = Files.createTempDirectory("cohort-startup");
            Files.createDirectories(work.resolve("deploy"));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(java.toString(), "-jar", jar.toAbsolutePath().toString())
                    .directory(work.toFile()).redirectErrorStream(true).start();
            StringBuilder out = new StringBuilder();
            InputStream in = p.getInputStream();
            OutputStream cmd = p.getOutputStream();
            prompt[r] = readUntil(in, out, "g! ") - t0;
            while (true) {
                int from = out.length();
                cmd.write("cohort:listeners\n".getBytes(StandardCharsets.UTF_8));
                cmd.flush();
                long t = readUntil(in, out, "g! ", from);
                if (out.indexOf("trace-jsonl", from) >= 0) {
                    ready[r] = t - t0;
                    break;
                }
            }
            cmd.close();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        BenchReport.write("startup.txt", String.join("\n",
                "Runtime start (java -jar target/run.jar, " + RUNS + " runs, fresh working directory each)",
                BenchReport.summary("start -> Gogo prompt", prompt),
                BenchReport.summary("start -> cohort:listeners answers", ready)));
    }

    private static long readUntil(InputStream in, StringBuilder out, String marker) throws IOException {
        return readUntil(in, out, marker, out.length());
    }

    /** Reads until {@code marker} appears after {@code from}; returns the time it was seen. */
    private static long readUntil(InputStream in, StringBuilder out, String marker, int from) throws IOException {
        while (out.indexOf(marker, from) < 0) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("runtime ended before '" + marker + "':\n" + out);
            }
            out.append((char) c);
        }
        return System.nanoTime();
    }
}
