package dev.cohort.trainer.internal.task;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Diagnostic: where a checkpoint's greedy answers on the held-out problems go wrong (carry or
 * not, wrong length, wrong units / tens / hundreds digit). Usage: {@code ErrorProbe DIR [list]}.
 */
public final class ErrorProbe {
    public static void main(String[] args) throws Exception {
        AdditionTask task = new AdditionTask();
        CharTokenizer tok = AdditionTask.tokenizer();
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = HfCheckpoint.load(Path.of(args[0]), be);
                Sampler s = new Sampler(m)) {
            List<AdditionTask.Problem> ps = task.heldOutProblems();
            List<int[]> prompts = new ArrayList<>();
            for (AdditionTask.Problem p : ps) {
                prompts.add(tok.encode(p.prompt()));
            }
            List<Completion> out = s.generate(prompts, SamplingParams.greedy(4), tok.eos());
            int[] wrongLen = new int[1];
            int[] digitWrong = new int[3];
            int carryOk = 0, carryN = 0, noCarryOk = 0, noCarryN = 0, ok = 0;
            for (int i = 0; i < ps.size(); i++) {
                String want = ps.get(i).answer();
                String got = tok.decode(out.get(i).tokens());
                boolean carry = (ps.get(i).a() % 10 + ps.get(i).b() % 10) >= 10;
                boolean right = got.equals(want);
                ok += right ? 1 : 0;
                if (carry) { carryN++; carryOk += right ? 1 : 0; } else { noCarryN++; noCarryOk += right ? 1 : 0; }
                if (got.length() != want.length()) { wrongLen[0]++; continue; }
                for (int d = 0; d < want.length(); d++) {
                    int fromRight = want.length() - 1 - d;
                    if (got.charAt(d) != want.charAt(d)) digitWrong[fromRight]++;
                }
                if (args.length > 1 && i < 40) System.out.println(ps.get(i).prompt() + want + " got " + got);
            }
            System.out.printf("acc %.3f, carry %d/%d, no carry %d/%d, wrong length %d, wrong units %d tens %d hundreds %d%n",
                    ok / (double) ps.size(), carryOk, carryN, noCarryOk, noCarryN, wrongLen[0], digitWrong[0], digitWrong[1], digitWrong[2]);
        }
    }
}
