package dev.cohort.plugins.python.rewards;

import static dev.cohort.plugins.python.rewards.PythonHere.batch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Python processes serving reward functions written as TRL's: the calling convention
 * (dataset columns as keyword arguments, conversational completions, trainer_state, None, async
 * functions) and every failure (an exception, a hang past the deadline, the wrong length, a value
 * that is not a number, the process killed mid-call, the module edited mid-run).
 */
class PythonRewardsTest {

    private static final String MODULE = String.join("\n",
            "import asyncio, os, time",
            "",
            "def columns(prompts, completions, completion_ids, answer, trainer_state, **kwargs):",
            "    assert set(kwargs) == {'log_extra', 'log_metric'}, sorted(kwargs)",
            "    kwargs['log_metric']('seen', len(completions))",
            "    return [1000 * trainer_state.global_step + 10 * int(a) + len(ids) + (p == 'What is %s?' % a)",
            "            for p, a, ids in zip(prompts, answer, completion_ids)]",
            "",
            "def conversational(prompts, completions, **kwargs):",
            "    return [float(p[-1]['role'] == 'user' and len(c) == 1 and c[0]['role'] == 'assistant')",
            "            + len(c[0]['content']) for p, c in zip(prompts, completions)]",
            "",
            "def gaps(completions, **kwargs):",
            "    return [None if i % 3 == 1 else float('nan') if i % 3 == 2 else 0.5 for i in range(len(completions))]",
            "",
            "async def awaited(completions, **kwargs):",
            "    await asyncio.sleep(0.01)",
            "    return [len(c) for c in completions]",
            "",
            "def raises(completions, **kwargs):",
            "    return [1 / 0 for c in completions]",
            "",
            "def hangs(completions, **kwargs):",
            "    time.sleep(600)",
            "",
            "def short(completions, **kwargs):",
            "    return [1.0]",
            "",
            "def words(completions, **kwargs):",
            "    return [1.0] + ['abc'] * (len(completions) - 1)",
            "",
            "def slow_once(completions, **kwargs):",
            "    mark = os.path.join(os.path.dirname(__file__), 'started')",
            "    if not os.path.exists(mark):",
            "        open(mark, 'w').write(str(os.getpid()))",
            "        time.sleep(600)",
            "    return [2.0] * len(completions)",
            "");

    @TempDir
    Path dir;
    private final PythonHere.Lines log = new PythonHere.Lines();
    private RewardServer server;

    @BeforeEach
    void start() throws Exception {
        PythonHere.assumePython();
        PythonHere.write(dir.resolve("trl_rewards.py"), MODULE);
        server = PythonHere.server(dir, dir.resolve("trl_rewards.py").toString(), 2_000, log, "columns",
                "conversational", "gaps", "awaited", "raises", "hangs", "short", "words", "slow_once");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private double[] score(String function, RewardInput in) {
        return server.score(new ServerSettings.Exposed(function, function), in);
    }

    private static RewardInput four(long step) {
        return batch(step, List.of("4", " 5", "six", "7 "), List.of("4", "5", "6", "7"));
    }

    @Test
    void datasetColumnsArriveAsKeywordArgumentsWithTrainerState() {
        double[] r = score("columns", four(7));
        // 1000 * step + 10 * answer + len(completion_ids) (2) + (prompt == the row's prompt)
        assertArrayEquals(new double[] {7043, 7053, 7063, 7073}, r);
    }

    @Test
    void conversationalRowsGetMessageListsAsTrlDoes() {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> completions = List.of("ab", "abcd");
        for (int i = 0; i < 2; i++) {
            rows.add(Map.of("prompt", List.of(Map.of("role", "system", "content", "Be brief."),
                    Map.of("role", "user", "content", "q" + i))));
        }
        RewardInput in = RewardInput.of(1, List.of("<rendered 0>", "<rendered 1>"), completions,
                List.of(new int[1], new int[2]), rows);
        assertArrayEquals(new double[] {3, 5}, score("conversational", in));
    }

    @Test
    void noneAndNanAreNoReward() {
        double[] r = score("gaps", four(0));
        assertEquals(0.5, r[0]);
        assertTrue(Double.isNaN(r[1]) && Double.isNaN(r[2]));
        assertEquals(0.5, r[3]);
    }

    @Test
    void asyncFunctionsAreAwaited() {
        assertArrayEquals(new double[] {1, 2, 3, 2}, score("awaited", four(0)));
    }

    @Test
    void anExceptionCarriesThePythonTraceback() {
        PythonRewardException e = assertThrows(PythonRewardException.class, () -> score("raises", four(0)));
        assertTrue(e.getMessage().contains("raises raised:\nTraceback (most recent call last):"), e.getMessage());
        assertTrue(e.getMessage().contains("raises raised:\nTraceback (most recent call last):\n  File \""
                + dir.resolve("trl_rewards.py") + "\", line 21, in raises\n"), e.getMessage());
        assertTrue(e.getMessage().endsWith("ZeroDivisionError: division by zero\n"), e.getMessage());
        assertArrayEquals(new double[] {1, 2, 3, 2}, score("awaited", four(0)), "the server serves on");
    }

    @Test
    void aHangIsInterruptedAtItsDeadlineWhereItWas() {
        long pid = server.process() == null ? -1 : server.process().pid();
        long t0 = System.nanoTime();
        PythonRewardException e = assertThrows(PythonRewardException.class, () -> score("hangs", four(0)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(e.getMessage().contains("hangs ran past its deadline of 2000 ms and was interrupted"), e.getMessage());
        assertTrue(e.getMessage().contains("line 24, in hangs\n    time.sleep(600)"), e.getMessage());
        assertTrue(ms >= 2000 && ms < 60_000, "took " + ms + " ms");
        assertArrayEquals(new double[] {1, 2, 3, 2}, score("awaited", four(0)));
        assertEquals(pid < 0 ? server.process().pid() : pid, server.process().pid(), "the same process serves on");
    }

    @Test
    void theWrongLengthOrANonNumberIsTheFunctionsFailure() {
        PythonRewardException e = assertThrows(PythonRewardException.class, () -> score("short", four(0)));
        assertTrue(e.getMessage().endsWith("short returned 1 values for 4 samples"), e.getMessage());
        e = assertThrows(PythonRewardException.class, () -> score("words", four(0)));
        assertTrue(e.getMessage().endsWith("words returned str 'abc' for sample 1; expected a number or None"),
                e.getMessage());
    }

    @Test
    void aProcessKilledMidCallIsRelaunchedAndTheBatchTriedOnceMore() throws Exception {
        CompletableFuture<double[]> call = CompletableFuture.supplyAsync(() -> score("slow_once", four(0)));
        Path mark = dir.resolve("started");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(mark) || Files.readString(mark).isEmpty()) {
            assertTrue(System.nanoTime() < end, "the function never started");
            Thread.sleep(20);
        }
        long pid = Long.parseLong(Files.readString(mark).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        assertArrayEquals(new double[] {2, 2, 2, 2}, call.get(60, TimeUnit.SECONDS));
        assertEquals(1, server.restarts());
        assertTrue(server.process().pid() != pid);
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("WARN worker test: process " + pid + " exited")),
                log.lines.toString());
    }

    @Test
    void editedCodeIsUsedAfterTheConfigurationIsUpdated() throws Exception {
        Path v = PythonHere.write(dir.resolve("versioned.py"), "def version(completions, **kw):\n"
                + "    return [1.0] * len(completions)\n");
        server.reconfigure(ServerSettings.of("test", PythonHere.PYTHON, v.toString(), new String[] {"version"},
                new String[0], null, "prompt", 2_000));
        ServerSettings.Exposed f = new ServerSettings.Exposed("version", "version");
        assertArrayEquals(new double[] {1, 1, 1, 1}, server.score(f, four(0)));
        PythonHere.write(v, "def version(completions, **kw):\n    return [2.0] * len(completions)\n");
        assertArrayEquals(new double[] {1, 1, 1, 1}, server.score(f, four(1)), "the running server keeps its code");
        server.reconfigure(server.settings());
        assertArrayEquals(new double[] {2, 2, 2, 2}, server.score(f, four(2)), "the new server runs the new code");
    }

    @Test
    void noProcessOutlivesClose() throws Exception {
        assertArrayEquals(new double[] {1, 2, 3, 2}, score("awaited", four(0)));
        Process p = server.process().process();
        server.close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertFalse(p.isAlive());
    }
}
