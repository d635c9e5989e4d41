package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StepMetric;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveTableTest {

    @Test
    void aRunningRunShowsItsProgressBarLossAccuracyPaceAndEta() {
        RunStatus status = RunStatus.newBuilder().setRunId("sweep-lora-1").setSweepId("sweep").setState(RunState.RUNNING)
                .setAttempt(1).setWorkerId("w1").setStep(50).setTotalSteps(100).setBestAccuracy(0.8125)
                .setUpdatedAt(Instant.EPOCH).build();
        StepMetric step = StepMetric.newBuilder().setRunId("sweep-lora-1").setAttempt(1).setStep(50).setTotalSteps(100)
                .setEpoch(0).setLoss(0.4321).setLearningRate(1e-4).setGradientNorm(1).setSamplesPerSecond(160)
                .setTokensPerSecond(2000).setStepMillis(200).setBatchSize(32).setTimestamp(Instant.EPOCH).build();
        String table = LiveTable.render(List.of(new RunRecord("sweep-lora-1", null, status, null, step)));
        String row = table.lines().filter(l -> l.startsWith("sweep-lora-1")).findFirst().orElseThrow();
        for (String expected : new String[] {"RUNNING", "[##########..........]", "50/100", "0.4321", "81.25%", "160.0", "0:10", "w1"}) {
            assertTrue(row.contains(expected), "'" + expected + "' missing from: " + row);
        }
    }

    @Test
    void aRunWithNoStepsSaysWhatItWaitsFor() {
        RunStatus claimed = RunStatus.newBuilder().setRunId("sweep-dora-1").setSweepId("sweep").setState(RunState.STARTING)
                .setAttempt(1).setWorkerId("w2").setUpdatedAt(Instant.EPOCH).build();
        String table = LiveTable.render(List.of(new RunRecord("sweep-dora-1", null, claimed, null, null),
                new RunRecord("sweep-salt-1", null, null, null, null)));
        assertTrue(table.lines().anyMatch(l -> l.startsWith("sweep-dora-1") && l.contains("STARTING   loading model and data")
                && !l.contains("0/0")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("sweep-salt-1") && l.contains("QUEUED     waiting for a worker")), table);
    }
}
