package dev.cohort.trainer.internal.cli;

import dev.cohort.trainer.internal.backend.JavaBackend;
import java.util.Arrays;

/**
 * Command line of the trainer outside the OSGi runtime ({@code ./cohort generate ...},
 * {@code merge ...}, {@code tokenize ...}, {@code chat-template ...}): the same classes the bundle runs, on a plain
 * class path. Exit codes: 0 done, 2 bad arguments or input.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("tokenize")) {
            tokenize(args);
            return;
        }
        if (args.length > 0 && args[0].equals("chat-template")) {
            try {
                System.out.println(ChatTemplateCommand.run(Arrays.asList(args).subList(1, args.length)));
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("cohort chat-template: " + e.getMessage());
                System.exit(2);
            }
            return;
        }
        if (args.length > 0 && args[0].equals("merge")) {
            try (JavaBackend backend = new JavaBackend(Runtime.getRuntime().availableProcessors())) {
                System.out.println(MergeCommand.run(Arrays.asList(args).subList(1, args.length), backend));
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("cohort merge: " + e.getMessage());
                System.exit(2);
            }
            return;
        }
        if (args.length == 0 || !args[0].equals("generate")) {
            System.err.println("usage: " + GenerateRequest.USAGE + "\n       " + MergeCommand.USAGE
                    + "\n       " + TokenizeCommand.USAGE
                    + "\n       " + ChatTemplateCommand.USAGE);
            System.exit(2);
        }
        try (JavaBackend backend = new JavaBackend(Runtime.getRuntime().availableProcessors())) {
            GenerateRequest r = GenerateRequest.parse(Arrays.asList(args).subList(1, args.length));
            System.out.println(new Generator(backend).run(r));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("cohort generate: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void tokenize(String[] args) {
        try {
            System.out.println(TokenizeCommand.run(Arrays.asList(args).subList(1, args.length)));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("cohort tokenize: " + e.getMessage());
            System.exit(2);
        }
    }
}
