package io.tunestream.schemas;

import java.time.Instant;
import java.util.List;

/** Sample messages of every type, with every optional field set, for the codec and compatibility tests. */
final class Messages {

    static final Instant NOW = Instant.ofEpochMilli(1_764_460_800_000L);

    private Messages() {}

    static ExperimentRequest request() {
        return ExperimentRequest.newBuilder()
                .setRunId("run-1").setSweepId("sweep-a").setModel("random:tiny@7").setDataset("glue-sst2")
                .setMethod(AdapterMethodId.salt_edora)
                .setAdapter(AdapterSettings.newBuilder().setRank(4).setAlpha(8.0).setDropout(0.1)
                        .setTargets(List.of("query", "value")).setTailMode("polar").build())
                .setTraining(TrainingSettings.newBuilder().setLearningRate(5e-3).setBatchSize(16).setEpochs(2)
                        .setMaxSteps(100).setWarmupRatio(0.1).setWeightDecay(0.0).setGradientClip(1.0)
                        .setEvalEvery(50).setCheckpointEvery(10).setMaxLength(64).setTrainSamples(1000)
                        .setEvalBatchSize(32).build())
                .setSeed(3L).setMaxWallSeconds(600L).setPriority(5).setSubmittedAt(NOW)
                .build();
    }

    static RunStatus status() {
        return RunStatus.newBuilder()
                .setRunId("run-1").setSweepId("sweep-a").setState(RunState.SUCCEEDED).setAttempt(2)
                .setWorkerId("worker-b").setStep(100).setTotalSteps(100).setLatestLoss(0.31)
                .setBestAccuracy(0.86).setBestStep(50L)
                .setSummary(RunSummary.newBuilder().setSteps(100).setFinalAccuracy(0.85).setFinalF1(0.84)
                        .setFinalLoss(0.35).setBestAccuracy(0.86).setBestStep(50).setAdapterParameters(2880)
                        .setHeadParameters(148_610).setTotalParameters(22_713_986).setWallSeconds(61.5)
                        .setSamplesPerSecond(120.0).setTrainExamples(1000).build())
                .setFailure(RunFailure.newBuilder().setKind(FailureKind.INFRASTRUCTURE).setField(null)
                        .setMessage("worker lost").build())
                .setUpdatedAt(NOW).setStartedAt(NOW.minusSeconds(70)).setFinishedAt(NOW)
                .build();
    }

    static StepMetric stepMetric() {
        return StepMetric.newBuilder().setRunId("run-1").setAttempt(1).setStep(7).setTotalSteps(100).setEpoch(0)
                .setLoss(0.69).setLearningRate(1e-4).setGradientNorm(2.5).setSamplesPerSecond(100)
                .setTokensPerSecond(1300).setStepMillis(160).setBatchSize(16).setTimestamp(NOW).build();
    }

    static EvalMetric evalMetric() {
        return EvalMetric.newBuilder().setRunId("run-1").setAttempt(1).setStep(50).setEpoch(0).setAccuracy(0.86)
                .setF1(0.85).setLoss(0.33).setExamples(872).setBest(true).setTimestamp(NOW).build();
    }

    static ControlCommand cancel() {
        return ControlCommand.newBuilder().setRunId("run-1").setAction(ControlAction.CANCEL).setReason("by user")
                .setIssuedAt(NOW).build();
    }

    static WorkerHeartbeat heartbeat() {
        return WorkerHeartbeat.newBuilder().setWorkerId("worker-a").setHost("host-1").setQueueMode("share")
                .setBusy(true).setRunId("run-1").setStep(7L).setStartedAt(NOW.minusSeconds(5)).setTimestamp(NOW)
                .setIntervalMillis(5000).build();
    }

    static SweepSchedule schedule() {
        return SweepSchedule.newBuilder().setSweepId("notebook").setMaxConcurrent(2).setMaxTotalSteps(5000L)
                .setMaxWallSeconds(null).setRetryBackoffSeconds(10.0)
                .setEarlyStopping(EarlyStopping.newBuilder().setRule(StoppingRule.ASHA).setMetric("accuracy")
                        .setMinSteps(50).setReductionFactor(3).setMinRuns(3).build())
                .setSubmittedAt(NOW).build();
    }

    static RunLog log() {
        return RunLog.newBuilder().setRunId("run-1").setAttempt(2).setWorkerId("w1").setLevel("ERROR")
                .setMessage("failed (TRAINING): the loss became NaN at step 12").setTimestamp(NOW).build();
    }

    static List<org.apache.avro.specific.SpecificRecordBase> all() {
        return List.of(request(), status(), stepMetric(), evalMetric(), cancel(), heartbeat(), schedule(), log());
    }
}
