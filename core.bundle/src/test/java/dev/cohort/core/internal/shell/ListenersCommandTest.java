package dev.cohort.core.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.core.internal.delivery.ListenerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenersCommandTest {

    @Test
    void tableShowsDroppedMissedReplayedAndTheStepsLost() {
        String out = ListenersCommand.format(List.of(
                new ListenerStatus("trace-jsonl", 31, 8, "0.2.0", "active", 140, 0, 0, 0, 0, 120, 0, 139, "", ""),
                new ListenerStatus("reward-stats", 32, 24, "0.2.0", "active", 4, 0, 0, 3, 45, 0, 0, 3,
                        "steps 7-9 of run b", "steps 5-49 of run a (ended)")));
        assertEquals(String.join("\n",
                "NAME          BUNDLE  VERSION  STATE   DELIVERED  FAILED  TIMEOUTS  DROPPED  MISSED  REPLAYED  QUEUE  LAST STEP",
                "trace-jsonl   8       0.2.0    active  140        0       0         0        0       120       0      139",
                "reward-stats  24      0.2.0    active  4          0       0         3        45      0         0      3",
                "reward-stats dropped: steps 7-9 of run b",
                "reward-stats missed: steps 5-49 of run a (ended)"), out.stripTrailing());
    }
}
