package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.config.YamlNode.Entry;
import dev.cohort.trainer.internal.config.YamlNode.Scalar;
import dev.cohort.trainer.internal.model.LoraConfig;
import java.util.List;

/**
 * The LoRA keys: {@code adapter} (Axolotl's key; {@code lora} or absent), {@code lora_r},
 * {@code lora_alpha}, {@code lora_dropout}, {@code lora_target_modules} (a list of module names,
 * or {@code all-linear}) and {@code use_rslora}, with PEFT's defaults (r 8, alpha 8, dropout 0,
 * the family's default targets). The lora_ keys without {@code adapter: lora} are refused, so that
 * a forgotten {@code adapter} line does not silently train every weight.
 */
final class LoraSection {

    static final String ADAPTER = "adapter";
    static final List<String> KEYS = List.of("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules",
            "use_rslora");

    private LoraSection() {
    }

    /** {@code adapter}: "" (none, the default) or {@code lora}. */
    static String adapter(Fields f) {
        String adapter = f.string(ADAPTER, "");
        if (f.valid(ADAPTER) && !adapter.isEmpty() && !adapter.equals("lora")) {
            f.problem(ADAPTER, f.line(ADAPTER), "must be lora or left out (full fine-tuning), got '" + adapter + "'");
        }
        return adapter;
    }

    /**
     * The adapter's settings (PEFT's defaults where not given); a lora_ key given a value other
     * than its default without {@code adapter: lora} is reported.
     */
    static LoraConfig read(Fields f, String adapter) {
        int r = f.integer("lora_r", 8, Range.atLeast(1));
        double alpha = f.number("lora_alpha", 8, Range.above(0));
        double dropout = f.number("lora_dropout", 0.0, Range.between(0, false, 1, true));
        List<String> targets = targets(f);
        boolean rslora = f.bool("use_rslora", false);
        LoraConfig lora = new LoraConfig(r, alpha, dropout, targets, rslora);
        if (adapter.isEmpty() && f.valid(ADAPTER)) {
            List<Object> given = List.of(r, alpha, dropout, targets, rslora);
            List<Object> defaults = List.of(8, 8.0, 0.0, List.of(), false);
            for (int i = 0; i < KEYS.size(); i++) {
                if (f.valid(KEYS.get(i)) && !given.get(i).equals(defaults.get(i))) {
                    f.problem(KEYS.get(i), f.line(KEYS.get(i)), "is set but adapter is not lora: add adapter: lora"
                            + " to train a LoRA adapter");
                }
            }
        }
        return lora;
    }

    /**
     * {@code all-linear} (alone, or as a list's only item) or a list of known module names without
     * repeats; empty (absent or {@code []}): the family's default.
     */
    private static List<String> targets(Fields f) {
        String key = "lora_target_modules";
        Entry e = f.given(key);
        if (e == null) {
            return List.of();
        }
        if (e.value() instanceof Scalar s && LoraConfig.ALL_LINEAR.equals(s.value())) {
            return List.of(LoraConfig.ALL_LINEAR);
        }
        List<String> names = f.strings(key);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            boolean allLinear = name.equals(LoraConfig.ALL_LINEAR);
            if (!LoraConfig.MODULES.contains(name) && !allLinear) {
                f.problem(key, e.line(), "unknown module '" + name + "' at [" + i + "] (known: "
                        + String.join(", ", LoraConfig.MODULES) + ", or " + LoraConfig.ALL_LINEAR + ")");
            } else if (allLinear && names.size() > 1) {
                f.problem(key, e.line(), LoraConfig.ALL_LINEAR + " stands alone, not in a list with other modules");
            } else if (names.indexOf(name) != i) {
                f.problem(key, e.line(), "'" + name + "' is listed twice");
            }
        }
        return names;
    }
}
