package dev.cohort.trainer.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Loads a checkpoint directory, encodes a prompt with the model's tokenizer (as transformers'
 * {@code tokenizer(text)}, special tokens per its post-processor; or a conversation through the
 * model's chat template; or given ids), samples and formats
 * the result: the text, or with --json one line of prompt ids, completion ids and the log-prob
 * of each generated token at temperature 1.
 */
public final class Generator {

    private final Backend backend;

    public Generator(Backend backend) {
        this.backend = backend;
    }

    public String run(GenerateRequest r) throws IOException {
        try (PolicyModel model = HfCheckpoint.load(r.model(), backend);
                Sampler sampler = new Sampler(model)) {
            if (r.adapter() != null) {
                dev.cohort.trainer.internal.model.PeftAdapter.load(r.adapter(), model);
            }
            return run(r, model, sampler);
        }
    }

    private String run(GenerateRequest r, PolicyModel model, Sampler sampler) throws IOException {
        Tokenizer tok = r.promptIds() != null && r.json() ? null : TokenizerFiles.read(r.model(), model.config().vocabSize());
        int[] prompt = r.promptIds() != null ? r.promptIds()
                : r.messages() != null ? ChatTemplateCommand.render(r.model(), r.messages(), true, Map.of()).ids()
                : tok.encode(r.prompt(), true);
        if (prompt.length == 0) {
            throw new IllegalArgumentException("--prompt encodes to no tokens");
        }
        for (int id : prompt) {
            if (id >= model.config().vocabSize()) {
                throw new IllegalArgumentException("--prompt-ids: token id " + id + " is outside the model's vocabulary of "
                        + model.config().vocabSize());
            }
        }
        SamplingParams p = r.greedy() ? SamplingParams.greedy(r.maxNewTokens())
                : new SamplingParams(r.maxNewTokens(), r.temperature(), r.topK(), r.topP(), r.minP(),
                        r.seed() != null ? r.seed() : System.nanoTime());
        Completion c = sampler.generate(List.of(prompt), p, model.config().eosTokenIds()).get(0);
        if (!r.json()) {
            return tok.decode(c.tokens());
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        java.util.Arrays.stream(prompt).forEach(out.putArray("prompt_ids")::add);
        java.util.Arrays.stream(c.tokens()).forEach(out.putArray("completion_ids")::add);
        var lps = out.putArray("logprobs");
        for (float v : c.logprobsT1()) {
            lps.add(v);
        }
        out.put("finish_reason", c.finish() == Completion.Finish.EOS ? "stop" : "length");
        return json.writeValueAsString(out);
    }
}
