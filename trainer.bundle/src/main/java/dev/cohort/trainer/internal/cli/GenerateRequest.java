package dev.cohort.trainer.internal.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * What `generate` was asked: parsed from command-line style arguments, errors name the option.
 * {@code adapter}: a PEFT LoRA adapter directory applied to the model, or null.
 */
public record GenerateRequest(Path model, Path adapter, String prompt, int[] promptIds, Path messages, int maxNewTokens,
        boolean greedy, float temperature, float topP, int topK, float minP, Long seed, boolean json) {

    public static final String USAGE = "generate --model DIR [--adapter DIR] (--prompt TEXT | --prompt-ids 1,2,3 | --messages FILE.json)"
            + " [--max-new-tokens N]"
            + " [--greedy | --temperature T --top-p P --top-k K --min-p P --seed S] [--json]";

    public static GenerateRequest parse(List<String> args) {
        Path model = null;
        Path adapter = null;
        String prompt = null;
        int[] promptIds = null;
        Path messages = null;
        int maxNew = 32;
        boolean greedy = false;
        float temperature = 1f;
        float topP = 1f;
        int topK = 0;
        float minP = 0f;
        Long seed = null;
        boolean json = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--adapter" -> adapter = Path.of(value(args, ++i, a));
                case "--prompt" -> prompt = value(args, ++i, a);
                case "--prompt-ids" -> promptIds = ids(value(args, ++i, a), a);
                case "--messages" -> messages = Path.of(value(args, ++i, a));
                case "--max-new-tokens" -> maxNew = intValue(args, ++i, a);
                case "--greedy" -> greedy = true;
                case "--temperature" -> temperature = floatValue(args, ++i, a);
                case "--top-p" -> topP = floatValue(args, ++i, a);
                case "--top-k" -> topK = intValue(args, ++i, a);
                case "--min-p" -> minP = floatValue(args, ++i, a);
                case "--seed" -> seed = (long) intValue(args, ++i, a);
                case "--json" -> json = true;
                default -> throw new IllegalArgumentException("unknown option '" + a + "'; usage: " + USAGE);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required; usage: " + USAGE);
        }
        if ((prompt != null ? 1 : 0) + (promptIds != null ? 1 : 0) + (messages != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("give one of --prompt TEXT, --prompt-ids 1,2,3 and --messages FILE.json;"
                    + " usage: " + USAGE);
        }
        if (greedy && (temperature != 1f || topP != 1f || topK != 0 || minP != 0f)) {
            throw new IllegalArgumentException("--greedy cannot be combined with --temperature, --top-p, --top-k or --min-p");
        }
        return new GenerateRequest(model, adapter, prompt, promptIds, messages, maxNew, greedy, temperature, topP, topK, minP,
                seed, json);
    }

    /** Comma-separated token ids. */
    private static int[] ids(String v, String option) {
        try {
            int[] ids = java.util.Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int id : ids) {
                if (id < 0) {
                    throw new NumberFormatException("negative id " + id);
                }
            }
            return ids;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs comma-separated token ids such as 1,2,3; got '" + v
                    + "'");
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value; usage: " + USAGE);
        }
        return args.get(i);
    }

    private static int intValue(List<String> args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got '" + v + "'");
        }
    }

    private static float floatValue(List<String> args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
    }
}
