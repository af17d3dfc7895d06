package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.MINIMAL;
import static dev.cohort.trainer.internal.config.Yaml.parse;
import static dev.cohort.trainer.internal.config.Yaml.problem;
import static dev.cohort.trainer.internal.config.Yaml.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kind of problem, with its exact message and line. */
class RunConfigParserTest {

    @Test
    void unknownKeySuggestsTheClosestKey() {
        String yaml = MINIMAL + "seed: 1\ntemperature: 0.7\nlerning_rate: 1e-5\n";
        assertEquals("foo.yaml:7: lerning_rate: unknown key; did you mean learning_rate?", problem(yaml));
    }

    @Test
    void unknownKeyWithNothingCloseHasNoSuggestion() {
        assertEquals("foo.yaml:5: completely_unrelated: unknown key",
                problem(MINIMAL + "completely_unrelated: 1\n"));
    }

    @Test
    void unknownKeySuggestionIsWithinThreeEdits() {
        assertEquals("foo.yaml:5: num_gens: unknown key", problem(MINIMAL + "num_gens: 8\n"));
        assertEquals("foo.yaml:5: num_generation: unknown key; did you mean num_generations?",
                problem(MINIMAL + "num_generation: 8\n"));
    }

    @Test
    void wrongTypeQuotesTheStringItGot() {
        String yaml = "model: tiny\ndataset: builtin:addition\nnum_generations: eight\n"
                + "reward_funcs: [exact]\nmax_steps: 10\n";
        assertEquals("foo.yaml:3: num_generations: expected an integer, got \"eight\"", problem(yaml));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "temperature: hot|temperature: expected a number, got \"hot\"",
        "mask_truncated_completions: 'yes'|mask_truncated_completions: expected true or false, got \"yes\"",
        "run_name: 2024|run_name: expected a string, got 2024",
        "reward_weights: 1.0|reward_weights: expected a list of numbers, got 1.0",
        "plugins: [a, b]|plugins: expected a mapping, got a list",
        "seed: 4.5|seed: expected an integer, got 4.5",
        "top_k: {a: 1}|top_k: expected an integer, got a mapping",
        "learning_rate: .inf|learning_rate: expected a number, got .inf",
        "eval_samples: [1]|eval_samples: expected an integer, got a list",
    })
    void wrongTypeNamesWhatWasExpected(String line5, String message) {
        assertEquals("foo.yaml:5: " + message, problem(MINIMAL + line5 + "\n"));
    }

    @Test
    void rewardFuncsMustBeAListOfStrings() {
        String yaml = "model: tiny\ndataset: builtin:addition\nreward_funcs: exact\nmax_steps: 10\n";
        assertEquals("foo.yaml:3: reward_funcs: expected a list of strings, got \"exact\"", problem(yaml));
    }

    @Test
    void wrongListItemsAreNamedByIndexOnTheirLines() {
        String yaml = """
                model: tiny
                dataset: builtin:addition
                reward_funcs:
                  - exact
                  - 3
                  - ''
                reward_weights: [1, x, 2]
                max_steps: 10
                """;
        assertEquals(List.of(
                "foo.yaml:5: reward_funcs[1]: expected a string, got 3",
                "foo.yaml:6: reward_funcs[2]: must not be empty",
                "foo.yaml:7: reward_weights[1]: expected a number, got \"x\""), problems(yaml));
    }

    @Test
    void outOfRange() {
        String yaml = "model: tiny\ndataset: builtin:addition\nreward_funcs: [exact]\nmax_steps: 10\n"
                + "temperature: -1.0\n";
        assertEquals("foo.yaml:5: temperature: must be >= 0, got -1.0", problem(yaml));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "temperature: -1|temperature: must be >= 0, got -1.0",
        "top_p: 0|top_p: must be in (0, 1], got 0.0",
        "top_p: 1.5|top_p: must be in (0, 1], got 1.5",
        "min_p: 1.01|min_p: must be in [0, 1], got 1.01",
        "epsilon: 1|epsilon: must be in [0, 1), got 1.0",
        "epsilon_high: -0.1|epsilon_high: must be >= 0, got -0.1",
        "adam_beta1: 1.0|adam_beta1: must be in [0, 1), got 1.0",
        "adam_beta2: -0.5|adam_beta2: must be in [0, 1), got -0.5",
        "adam_epsilon: 0|adam_epsilon: must be > 0, got 0.0",
        "learning_rate: -1e-6|learning_rate: must be >= 0, got -1.0E-6",
        "weight_decay: -1|weight_decay: must be >= 0, got -1.0",
        "max_grad_norm: -1|max_grad_norm: must be >= 0, got -1.0",
        "beta: -0.01|beta: must be >= 0, got -0.01",
        "num_generations: 1|num_generations: must be >= 2, got 1",
        "reward_timeout_ms: 0|reward_timeout_ms: must be > 0, got 0",
        "reward_wait_ms: -1|reward_wait_ms: must be >= 0, got -1",
        "eval_samples: -1|eval_samples: must be >= 0, got -1",
        "save_steps: -5|save_steps: must be >= 0, got -5",
        "logging_steps: 0|logging_steps: must be >= 1, got 0",
        "max_prompt_length: 0|max_prompt_length: must be >= 1, got 0",
        "max_completion_length: 0|max_completion_length: must be >= 1, got 0",
        "top_k: -1|top_k: must be >= 0, got -1",
        "warmup_steps: -1|warmup_steps: must be >= 0, got -1",
        "num_iterations: 0|num_iterations: must be >= 1, got 0",
        "vllm_importance_sampling_cap: 0|vllm_importance_sampling_cap: must be > 0, got 0.0",
        "off_policy_mask_threshold: -0.1|off_policy_mask_threshold: must be >= 0, got -0.1",
        "prefetch_depth: 0|prefetch_depth: must be >= 1, got 0",
        "max_staleness: -1|max_staleness: must be >= 0, got -1",
        "weight_sync_steps: 0|weight_sync_steps: must be >= 1, got 0",
        "vllm_importance_sampling_mode: token|vllm_importance_sampling_mode: must be one of token_truncate,"
                + " token_mask, sequence_truncate, sequence_mask, got \"token\"",
        "gradient_accumulation_steps: 0|gradient_accumulation_steps: must be >= 1, got 0",
        "per_device_train_batch_size: 0|per_device_train_batch_size: must be >= 1, got 0",
        "max_completion_length: 4294967296|max_completion_length: must be <= 2147483647, got 4294967296",
        "seed: 99999999999999999999|seed: must be <= 9223372036854775807, got 99999999999999999999",
    })
    void everyRangeIsChecked(String line5, String message) {
        assertEquals("foo.yaml:5: " + message, problem(MINIMAL + line5 + "\n"));
    }

    @Test
    void reportToTakesOneNameOrAListAsTrlDoes() {
        assertEquals(List.of("all"), parse(MINIMAL).reportTo());
        assertEquals(List.of("tensorboard"), parse(MINIMAL + "report_to: tensorboard\n").reportTo());
        assertEquals(List.of("none"), parse(MINIMAL + "report_to: none\n").reportTo());
        assertEquals(List.of("tensorboard", "dashboard"),
                parse(MINIMAL + "report_to: [tensorboard, dashboard]\n").reportTo());
        assertEquals("foo.yaml:5: report_to: all and none stand alone, got [tensorboard, none]",
                problem(MINIMAL + "report_to: [tensorboard, none]\n"));
        assertEquals("foo.yaml:5: report_to: must not be empty; none turns reporting off",
                problem(MINIMAL + "report_to: \"\"\n"));
    }

    @Test
    void maxStepsRange() {
        String yaml = "model: tiny\ndataset: builtin:addition\nreward_funcs: [exact]\nmax_steps: 0\n";
        assertEquals("foo.yaml:4: max_steps: must be >= 1, got 0", problem(yaml));
    }

    @Test
    void enumListsTheValidValues() {
        String yaml = MINIMAL + "seed: 1\nbeta: 0.0\nepsilon: 0.2\ntemperature: 1.0\nloss_type: ppo\n";
        assertEquals("foo.yaml:9: loss_type: must be one of grpo, bnpo, dr_grpo, dapo, got \"ppo\"",
                problem(yaml));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scale_rewards: std|scale_rewards: must be one of group, batch, none, got \"std\"",
        "multi_objective_aggregation: sum|multi_objective_aggregation: must be one of"
                + " sum_then_normalize, normalize_then_sum, got \"sum\"",
        "importance_sampling_level: 1|importance_sampling_level: must be one of token, sequence, got 1",
        "lr_scheduler_type: Cosine|lr_scheduler_type: must be one of constant, constant_with_warmup,"
                + " linear, cosine, got \"Cosine\"",
        "reward_failure: ignore|reward_failure: must be one of warn, fail, got \"ignore\"",
        "backend: gpu|backend: must be one of auto, java, cuda, got \"gpu\"",
        "cuda_matmul: fp16|cuda_matmul: must be one of fp32, tf32, bf16, got \"fp16\"",
        "loss_type: DAPO|loss_type: must be one of grpo, bnpo, dr_grpo, dapo, got \"DAPO\"",
    })
    void everyEnumIsChecked(String line5, String message) {
        assertEquals("foo.yaml:5: " + message, problem(MINIMAL + line5 + "\n"));
    }

    @Test
    void aTokenizerThatIsNeitherANameNorADirectoryWithATokenizerJsonIsNamed() {
        String p = problem(MINIMAL + "tokenizer: bpe\n");
        assertTrue(p.startsWith("foo.yaml:5: tokenizer: must be auto, gpt2, char or a directory with a tokenizer.json; "),
                p);
        assertTrue(p.endsWith("bpe has no tokenizer.json"), p);
    }

    @Test
    void missingRequiredKeyHasNoLine() {
        String yaml = "dataset: builtin:addition\nreward_funcs: [exact]\nmax_steps: 10\n";
        assertEquals("foo.yaml: model: required", problem(yaml));
    }

    @Test
    void everyMissingRequiredKeyIsReported() {
        assertEquals(List.of("foo.yaml: model: required", "foo.yaml: dataset: required",
                "foo.yaml: reward_funcs: required", "foo.yaml: max_steps: required"),
                problems("seed: 3\n"));
    }

    @Test
    void requiredKeyGivenNullHasItsLine() {
        String yaml = "model:\ndataset: builtin:addition\nreward_funcs: [exact]\nmax_steps: ~\n";
        assertEquals(List.of("foo.yaml:1: model: required", "foo.yaml:4: max_steps: required"),
                problems(yaml));
    }

    @Test
    void requiredStringsAndListsMustNotBeEmpty() {
        String yaml = "model: ''\ndataset: 'builtin:'\nreward_funcs: []\nmax_steps: 10\n";
        assertEquals(List.of("foo.yaml:1: model: must not be empty",
                "foo.yaml:2: dataset: names no task after builtin:",
                "foo.yaml:3: reward_funcs: must name at least one reward function"), problems(yaml));
    }

    @ParameterizedTest
    @ValueSource(strings = {"output_dir", "dataset_prompt_field", "rollout_engine"})
    void namesThatMustNotBeEmpty(String key) {
        assertEquals("foo.yaml:5: " + key + ": must not be empty", problem(MINIMAL + key + ": ''\n"));
    }

    @Test
    void numGenerationsMustDivideTheGenerationBatch() {
        String yaml = "model: tiny\ndataset: builtin:addition\nreward_funcs: [exact]\nnum_generations: 3\n"
                + "max_steps: 10\n";
        assertEquals("foo.yaml:4: num_generations: 3 does not divide the generation batch"
                + " per_device_train_batch_size * gradient_accumulation_steps = 8 * 1 = 8", problem(yaml));
    }

    @Test
    void defaultedNumGenerationsIsReportedOnTheBatchSizeLine() {
        String yaml = MINIMAL + "per_device_train_batch_size: 6\n";
        assertEquals("foo.yaml:5: num_generations: 8 does not divide the generation batch"
                + " per_device_train_batch_size * gradient_accumulation_steps = 6 * 1 = 6", problem(yaml));
    }

    @Test
    void numGenerationsLargerThanTheBatchDoesNotDivideIt() {
        String yaml = MINIMAL + "gradient_accumulation_steps: 2\nnum_generations: 32\n";
        assertEquals("foo.yaml:6: num_generations: 32 does not divide the generation batch"
                + " per_device_train_batch_size * gradient_accumulation_steps = 8 * 2 = 16", problem(yaml));
    }

    @Test
    void generationBatchThatOverflowsIsReported() {
        String yaml = MINIMAL + "per_device_train_batch_size: 2000000000\ngradient_accumulation_steps: 4\n";
        assertEquals("foo.yaml:5: per_device_train_batch_size: the generation batch"
                + " per_device_train_batch_size * gradient_accumulation_steps = 2000000000 * 4 ="
                + " 8000000000 is too large", problem(yaml));
    }

    @Test
    void rewardWeightsMustMatchRewardFuncs() {
        String yaml = "model: tiny\ndataset: builtin:addition\nreward_funcs: [exact, length, format]\n"
                + "max_steps: 10\nseed: 1\nreward_weights: [1.0, 0.5]\n";
        assertEquals("foo.yaml:6: reward_weights: 2 weights for 3 reward functions;"
                + " give one weight per entry of reward_funcs", problem(yaml));
    }

    @Test
    void saveStepsMustBeAMultipleOfNumIterations() {
        assertEquals("foo.yaml:6: save_steps: 5 is not a multiple of num_iterations 2"
                + " (a checkpoint is taken between generation batches)",
                problem(MINIMAL + "num_iterations: 2\nsave_steps: 5\n"));
    }

    @Test
    void asyncStalenessMustAllowTheSyncInterval() {
        assertEquals("foo.yaml:7: max_staleness: 1 is less than weight_sync_steps - 1 = 2: weights reach the"
                + " producer only every 3 steps, so with async_prefetch a batch can be that many versions behind",
                problem(MINIMAL + "async_prefetch: true\nweight_sync_steps: 3\nmax_staleness: 1\n"));
        assertEquals(null, RunConfigParser.parse(MINIMAL + "weight_sync_steps: 3\nmax_staleness: 1\n", "foo.yaml",
                java.nio.file.Path.of("/")).offPolicyMaskThreshold());
    }

    @Test
    void tokenizerCharNeedsAnAlphabet() {
        assertEquals("foo.yaml:5: tokenizer_alphabet: required when tokenizer is char",
                problem(MINIMAL + "tokenizer: char\n"));
        assertEquals("foo.yaml:6: tokenizer_alphabet: required when tokenizer is char",
                problem(MINIMAL + "tokenizer: char\ntokenizer_alphabet: ''\n"));
        assertEquals("foo.yaml:6: tokenizer_alphabet: repeats \"1\"",
                problem(MINIMAL + "tokenizer: char\ntokenizer_alphabet: '0123456789+=1'\n"));
    }

    @Test
    void duplicateKeyNamesTheFirstLine() {
        String yaml = "model: tiny\nseed: 1\ndataset: builtin:addition\nreward_funcs: [exact]\n"
                + "max_steps: 10\ntemperature: 0.9\ntop_p: 0.95\nseed: 2\n";
        assertEquals("foo.yaml:8: seed: given twice (first on line 2)", problem(yaml));
    }

    @Test
    void duplicateNestedKeyIsNamedByItsPath() {
        String yaml = MINIMAL + "plugins:\n  my.pid:\n    a: 1\n    a: 2\n";
        assertEquals("foo.yaml:8: plugins.my.pid.a: given twice (first on line 7)", problem(yaml));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n", "# only a comment\n", "~\n", "---\n"})
    void emptyFile(String yaml) {
        assertEquals("foo.yaml: empty configuration", problem(yaml));
    }

    @Test
    void topLevelMustBeAMapping() {
        assertEquals("foo.yaml:1: the top level must be a mapping of keys to values, got a list",
                problem("- model: tiny\n- max_steps: 3\n"));
        assertEquals("foo.yaml:1: the top level must be a mapping of keys to values, got \"model\"",
                problem("model\n"));
    }

    @Test
    void oneDocumentOnly() {
        assertEquals("foo.yaml:5: a second YAML document; a configuration file holds one",
                problem(MINIMAL + "---\nseed: 3\n"));
    }

    @Test
    void malformedYamlGivesTheParsersLineAndMessage() {
        String yaml = MINIMAL + "a1: 1\na2: 2\na3: 3\na4: 4\na5: 5\na6: 6\n"
                + "a7: 7\ntemperature: 1.0: 2\n";
        assertEquals("foo.yaml:12: not valid YAML: mapping values are not allowed here", problem(yaml));
    }

    @Test
    void malformedYamlNamesTheConstructThatStartedEarlier() {
        String yaml = MINIMAL + "reward_weights: [1, 2\nseed: 3\n";
        assertEquals("foo.yaml:6: not valid YAML: expected ',' or ']', but got : "
                + "(while parsing a flow sequence that starts on line 5)", problem(yaml));
    }

    @Test
    void tabIndentationIsMalformed() {
        String p = problem(MINIMAL + "plugins:\n\tpid: {}\n");
        assertTrue(p.startsWith("foo.yaml:6: not valid YAML: found character '\\t(TAB)'"), p);
        assertEquals(1, p.lines().count());
    }

    @Test
    void problemsFoundBeforeMalformedYamlAreKept() {
        String yaml = "model: tiny\nmodel: gpt2\nseed: [1, 2\n";
        List<String> problems = problems(yaml);
        assertEquals(2, problems.size(), problems::toString);
        assertEquals("foo.yaml:2: model: given twice (first on line 1)", problems.get(0));
        assertTrue(problems.get(1).startsWith("foo.yaml:4: not valid YAML: "), problems::toString);
    }

    @Test
    void aliasesAreNotSupported() {
        String yaml = MINIMAL + "epsilon: &eps 0.2\nepsilon_high: *eps\n";
        assertEquals("foo.yaml:6: epsilon_high: YAML aliases are not supported, got *eps", problem(yaml));
    }

    @Test
    void severalProblemsAreAllReportedInFileOrder() {
        String yaml = """
                model: tiny
                lerning_rate: 1e-5
                num_generations: eight
                dataset: data.jsonl
                temperature: -1.0
                loss_type: ppo
                reward_funcs: [exact, length]
                reward_weights: [1.0]
                seed: 1
                seed: 2
                tokenizer: char
                plugins:
                  my.pid:
                    nested: {a: 1}
                """;
        assertEquals(List.of(
                "foo.yaml:2: lerning_rate: unknown key; did you mean learning_rate?",
                "foo.yaml:3: num_generations: expected an integer, got \"eight\"",
                "foo.yaml:5: temperature: must be >= 0, got -1.0",
                "foo.yaml:6: loss_type: must be one of grpo, bnpo, dr_grpo, dapo, got \"ppo\"",
                "foo.yaml:8: reward_weights: 1 weights for 2 reward functions;"
                        + " give one weight per entry of reward_funcs",
                "foo.yaml:10: seed: given twice (first on line 9)",
                "foo.yaml:11: tokenizer_alphabet: required when tokenizer is char",
                "foo.yaml:14: plugins.my.pid.nested: expected a string, number, true or false,"
                        + " or a list of those, got a mapping",
                "foo.yaml: max_steps: required"), problems(yaml));
    }

    @Test
    void aFileThatCannotBeReadSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path missing = dir.resolve("missing.yaml");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> RunConfigParser.parse(missing));
        assertEquals(missing + ": cannot be read: no such file", e.getMessage());
    }

    @Test
    void problemsNameTheFileAsGiven(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("run.yaml");
        java.nio.file.Files.writeString(file, MINIMAL + "top_p: 2\n");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> RunConfigParser.parse(file));
        assertEquals(file + ":5: top_p: must be in (0, 1], got 2.0", e.getMessage());
    }
}
