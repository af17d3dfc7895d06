package dev.cohort.core.internal.replay;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutPublisher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@code cohort:replay}: publishes a recorded trace (trace-jsonl format) through the
 * {@link RolloutPublisher}, so that plugins can be developed and tried without a training run.
 */
@Component(service = ReplayCommand.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=replay"})
public final class ReplayCommand {

    private final RolloutPublisher publisher;
    private final Logger logger;
    private final TraceReader reader = new TraceReader();
    private final AtomicInteger replays = new AtomicInteger();
    private volatile Thread running;

    @Activate
    public ReplayCommand(@Reference RolloutPublisher publisher,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.publisher = publisher;
        this.logger = logger;
    }

    @Descriptor("publish the batches of a recorded trace to every rollout listener, in the background")
    public String replay(
            @Descriptor("milliseconds between batches") @Parameter(names = {"-i", "--interval"}, absentValue = "100") long intervalMs,
            @Descriptor("times to go through the file") @Parameter(names = {"-n", "--repeat"}, absentValue = "1") int repeat,
            @Descriptor("trace file (JSON lines, as trace-jsonl writes them)") String file) throws IOException {
        List<RolloutBatch> batches = reader.read(Path.of(file).toAbsolutePath());
        if (batches.isEmpty()) {
            return file + " holds no batches";
        }
        if (running != null && running.isAlive()) {
            return "a replay is already running (" + running.getName() + "); try again when it ends";
        }
        Thread t = new Thread(() -> publishAll(batches, intervalMs, repeat, file),
                "cohort-replay-" + replays.incrementAndGet());
        t.setDaemon(true);
        running = t;
        t.start();
        return "replaying " + batches.size() + " batch(es) x " + repeat + " from " + file
                + " every " + intervalMs + " ms on " + t.getName();
    }

    private void publishAll(List<RolloutBatch> batches, long intervalMs, int repeat, String file) {
        long stepOffset = 0;
        long span = batches.get(batches.size() - 1).step() + 1;
        try {
            for (int r = 0; r < repeat; r++) {
                for (RolloutBatch b : batches) {
                    publisher.publish(r == 0 ? b : restep(b, b.step() + stepOffset));
                    Thread.sleep(intervalMs);
                }
                stepOffset += span;
            }
            publisher.endRun(batches.get(0).runId());
            logger.info("replay of {} finished: {} batch(es) published", file, batches.size() * repeat);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            logger.warn("replay of {} stopped: {}", file, e.toString(), e);
        }
    }

    /** Repeated passes get increasing steps so that listeners see a continuing run. */
    private static RolloutBatch restep(RolloutBatch b, long step) {
        RolloutBatch.Builder c = RolloutBatch.builder().runId(b.runId()).step(step)
                .groupSize(b.groupSize()).prompts(b.prompts()).completions(b.completions())
                .advantages(b.advantages()).totalRewards(b.totalRewards())
                .completionTokens(b.completionTokens()).truncated(b.truncated());
        b.rewards().forEach(c::reward);
        return c.build();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        Thread t = running;
        if (t != null) {
            t.interrupt();
            t.join(5_000);
        }
    }
}
