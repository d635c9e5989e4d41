package io.tunestream.coordinator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.EarlyStopping;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RunFailure;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.StoppingRule;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.TrainingSettings;
import io.tunestream.schemas.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The scheduler's decisions on hand-made histories, with a clock of its own: no Kafka, no waiting. */
class SchedulerTest {

    private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
    private final Scheduler scheduler = new Scheduler(Duration.ofMinutes(5));

    @Test
    void aHighPriorityRunSubmittedLastStartsFirstWhenTheWorkerFrees() {
        workers(1, T0);
        for (int i = 1; i <= 5; i++) {
            submit(request("normal-" + i, "s", 0, i), T0);
        }
        submit(request("urgent", "s", 10, 0), T0.plusSeconds(1));
        assertEquals(List.of("urgent"), dispatched(scheduler.plan(T0.plusSeconds(2))));
        assertEquals(List.of(), dispatched(scheduler.plan(T0.plusSeconds(3))), "one worker, one run in flight");
        end("urgent", RunState.SUCCEEDED, T0.plusSeconds(4));
        assertEquals(List.of("normal-1"), dispatched(scheduler.plan(T0.plusSeconds(5))), "then grid order");
    }

    @Test
    void aWaitingRunGainsAPriorityLevelPerAgingIntervalSoItIsNotStarvedForever() {
        workers(1, T0);
        submit(request("old-low", "s", 0, 0), T0);
        submit(request("new-high", "s", 2, 0), T0.plus(Duration.ofMinutes(14)));
        // at 14 minutes old-low has aged 2 levels: a tie, and it was submitted first
        assertEquals(List.of("old-low"), dispatched(scheduler.plan(T0.plus(Duration.ofMinutes(14)))));
    }

    @Test
    void aSweepNeverHasMoreRunsInFlightThanItsMaxConcurrent() {
        workers(5, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setMaxConcurrent(2).setSubmittedAt(T0).build());
        for (int i = 0; i < 5; i++) {
            submit(request("r" + i, "s", 0, i), T0);
        }
        assertEquals(List.of("r0", "r1"), dispatched(scheduler.plan(T0)));
        assertEquals(List.of(), dispatched(scheduler.plan(T0.plusSeconds(1))));
        assertEquals(2, scheduler.demand(T0.plusSeconds(1)), "two dispatched, not started; the limit holds the rest");
        end("r0", RunState.SUCCEEDED, T0.plusSeconds(2));
        assertEquals(List.of("r2"), dispatched(scheduler.plan(T0.plusSeconds(3))));
    }

    @Test
    void nothingIsDispatchedWithoutLiveWorkersAndDemandSaysHowManyAreWanted() {
        submit(request("a", "s", 0, 0), T0);
        submit(request("b", "s", 0, 1), T0);
        assertEquals(List.of(), scheduler.plan(T0));
        assertEquals(2, scheduler.demand(T0));
        workers(1, T0, Duration.ofSeconds(5));
        assertEquals(List.of(), dispatched(scheduler.plan(T0.plusSeconds(16))), "heartbeats 3 intervals old are gone");
        assertEquals(List.of("a"), dispatched(scheduler.plan(T0.plusSeconds(15))));
    }

    @Test
    void anInfrastructureFailureIsRetriedAfterADoublingBackoffUntilItsAttemptsAreSpent() {
        workers(1, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setRetryBackoffSeconds(10).setSubmittedAt(T0).build());
        submit(request("r", "s", 0, 0), T0);
        assertEquals(List.of("r"), dispatched(scheduler.plan(T0)));
        fail("r", FailureKind.INFRASTRUCTURE, 2, T0.plusSeconds(1));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(20)), "second failure: backoff 10 * 2 s");
        List<Action> retry = scheduler.plan(T0.plusSeconds(22));
        assertEquals(2, retry.size(), "queued again, and dispatched at once to the free worker");
        Action.Requeue requeue = (Action.Requeue) retry.get(0);
        assertEquals(RunState.QUEUED, requeue.queued().getState());
        assertTrue(requeue.queued().getReason().startsWith("retry after 2 of 3 attempts failed"), requeue.queued().getReason());
        assertEquals(List.of("r"), dispatched(retry));
        scheduler.submitted(requeue.request(), T0.plusSeconds(22));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(23)), "the echo of the retry asks for nothing more");
        fail("r", FailureKind.INFRASTRUCTURE, 3, T0.plusSeconds(30));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(600)), "3 of 3 attempts failed: no more");
    }

    @Test
    void badRequestsTrainingFailuresAndRunsTooLargeForMemoryAreNeverRetried() {
        workers(3, T0);
        submit(request("bad", "s", 0, 0), T0);
        submit(request("nan", "s", 0, 1), T0);
        submit(request("huge", "s", 0, 2), T0);
        assertEquals(List.of("bad", "nan", "huge"), dispatched(scheduler.plan(T0)));
        fail("bad", FailureKind.BAD_REQUEST, 0, T0.plusSeconds(1));
        fail("nan", FailureKind.TRAINING, 0, T0.plusSeconds(1));
        fail("huge", FailureKind.RESOURCE, 0, T0.plusSeconds(1));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(3600)));
    }

    @Test
    void aSpentStepBudgetStopsRunningRunsAndCancelsWaitingOnes() {
        workers(2, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setMaxTotalSteps(100L).setSubmittedAt(T0).build());
        for (int i = 0; i < 3; i++) {
            submit(request("r" + i, "s", 0, i), T0);
        }
        assertEquals(List.of("r0", "r1"), dispatched(scheduler.plan(T0)));
        running("r0", 60, T0.plusSeconds(1));
        running("r1", 39, T0.plusSeconds(1));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(2)), "99 of 100 steps");
        running("r1", 40, T0.plusSeconds(3));
        List<Action> actions = scheduler.plan(T0.plusSeconds(4));
        assertEquals(3, actions.size(), actions.toString());
        for (Action action : actions) {
            if (action.runId().equals("r2")) {
                assertEquals(RunState.CANCELLED, ((Action.Conclude) action).status().getState());
            } else {
                assertEquals(ControlAction.STOP, ((Action.Order) action).command().getAction());
                assertTrue(((Action.Order) action).command().getReason().contains("maxTotalSteps 100"));
            }
        }
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(5)), "each decision once");
    }

    @Test
    void aSpentWallTimeBudgetCountsFromTheSweepsFirstDispatch() {
        workers(1, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setMaxWallSeconds(60L).setSubmittedAt(T0).build());
        submit(request("r0", "s", 0, 0), T0);
        submit(request("r1", "s", 0, 1), T0);
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(100)).stream().filter(a -> !(a instanceof Action.Dispatch)).toList(),
                "a sweep that waited for workers has spent nothing");
        scheduler.dispatched(ExperimentRequest.newBuilder(request("r0", "s", 0, 0)).build(), T0.plusSeconds(100));
        running("r0", 5, T0.plusSeconds(101));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(159)));
        List<Action> actions = scheduler.plan(T0.plusSeconds(160));
        assertEquals(2, actions.size(), actions.toString());
        assertEquals(ControlAction.STOP, ((Action.Order) actions.get(0)).command().getAction());
        assertTrue(((Action.Order) actions.get(0)).command().getReason().contains("maxWallSeconds 60"));
        assertEquals(RunState.CANCELLED, ((Action.Conclude) actions.get(1)).status().getState());
    }

    @Test
    void aRunCancelledBeforeItsDispatchIsConcludedByTheCoordinator() {
        submit(request("r", "s", 0, 0), T0);
        scheduler.observe(ControlCommand.newBuilder().setRunId("r").setAction(ControlAction.CANCEL).setReason("by hand")
                .setIssuedAt(T0).build());
        List<Action> actions = scheduler.plan(T0.plusSeconds(1));
        assertEquals(1, actions.size());
        assertEquals(RunState.CANCELLED, ((Action.Conclude) actions.get(0)).status().getState());
        assertEquals("by hand", ((Action.Conclude) actions.get(0)).status().getReason());
        workers(1, T0.plusSeconds(1));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(2)));
    }

    @Test
    void ashaStopsTheWorseHalfAtEachRungAndTheFirstArrivalAlwaysGoesOn() {
        SuccessiveHalving asha = new SuccessiveHalving(20, 2, "accuracy");
        assertEquals(Optional.empty(), asha.judge("good-1", 10, 0.2), "before the first rung");
        assertEquals(Optional.empty(), asha.judge("good-1", 20, 0.90));
        assertTrue(asha.judge("bad-1", 20, 0.50).orElseThrow().startsWith("asha: accuracy 0.5000 at step 20 is below rung 0's cutoff 0.9000"));
        assertEquals(Optional.empty(), asha.judge("good-2", 20, 0.88), "above the median of 0.90 and 0.50");
        assertTrue(asha.judge("bad-2", 20, 0.52).isPresent());
        assertEquals(Optional.empty(), asha.judge("good-1", 40, 0.92), "first at rung 1");
        assertTrue(asha.judge("good-2", 40, 0.91).isPresent(), "rung 1 keeps the top half of its own arrivals");
        assertEquals(Optional.empty(), asha.judge("good-1", 40, 0.10), "a rung is judged once per run");
    }

    @Test
    void theMedianRuleComparesARunsBestWithOtherRunsRunningAveragesAtTheSameStep() {
        MedianStopping median = new MedianStopping(10, 2, "loss");
        // losses, negated so that higher is better
        median.judge("a", 10, -0.60);
        median.judge("a", 20, -0.40);
        assertEquals(Optional.empty(), median.judge("b", 20, -0.90), "one other run is fewer than minRuns");
        median.judge("c", 10, -0.50);
        median.judge("c", 20, -0.30);
        // running averages at step 20: a -0.50, c -0.40 (b is the run judged) -> median -0.45
        assertTrue(median.judge("b", 20, -0.90).orElseThrow().contains("best loss 0.9000 by step 20 is below the median 0.4500 of 2 runs"));
        assertEquals(Optional.empty(), new MedianStopping(10, 1, "accuracy").judge("x", 5, 0.1), "before minSteps");
    }

    @Test
    void anEarlyStoppingVerdictBecomesAStopOrderForARunningRun() {
        workers(4, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setSubmittedAt(T0).setEarlyStopping(EarlyStopping.newBuilder()
                .setRule(StoppingRule.ASHA).setMetric("accuracy").setMinSteps(10).setReductionFactor(2).setMinRuns(3).build()).build());
        submit(request("good", "s", 0, 0), T0);
        submit(request("bad", "s", 0, 1), T0);
        assertEquals(2, dispatched(scheduler.plan(T0)).size());
        running("good", 10, T0.plusSeconds(1));
        running("bad", 10, T0.plusSeconds(1));
        scheduler.observe(eval("good", 10, 0.9));
        scheduler.observe(eval("bad", 10, 0.5));
        List<Action> actions = scheduler.plan(T0.plusSeconds(2));
        assertEquals(1, actions.size(), actions.toString());
        Action.Order order = (Action.Order) actions.get(0);
        assertEquals("bad", order.runId());
        assertEquals(ControlAction.STOP, order.command().getAction());
    }

    /** A regression sweep stops on its task's primary metric (Pearson/Spearman mean); accuracy, which it lacks, judges nothing. */
    @Test
    void earlyStoppingJudgesEachTasksPrimaryMetric() {
        workers(4, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setSubmittedAt(T0).setEarlyStopping(EarlyStopping.newBuilder()
                .setRule(StoppingRule.ASHA).setMetric("primary").setMinSteps(10).setReductionFactor(2).setMinRuns(3).build()).build());
        submit(request("good", "s", 0, 0), T0);
        submit(request("bad", "s", 0, 1), T0);
        assertEquals(2, dispatched(scheduler.plan(T0)).size());
        running("good", 10, T0.plusSeconds(1));
        running("bad", 10, T0.plusSeconds(1));
        scheduler.observe(regression("good", 10, 0.80));
        scheduler.observe(regression("bad", 10, 0.30));
        List<Action> actions = scheduler.plan(T0.plusSeconds(2));
        assertEquals(1, actions.size(), actions.toString());
        assertEquals("bad", ((Action.Order) actions.get(0)).runId());
        assertTrue(((Action.Order) actions.get(0)).command().getReason().startsWith("asha: primary 0.3000 at step 10"),
                ((Action.Order) actions.get(0)).command().getReason());

        EvalMetric stsb = regression("x", 10, 0.5);
        assertEquals(0.5, Scheduler.judged(stsb, "primary"), 0.0);
        assertEquals(0.5, Scheduler.judged(stsb, "pearson"), 0.0);
        assertTrue(Double.isNaN(Scheduler.judged(stsb, "accuracy")), "a regression task has no accuracy");
        assertEquals(-0.25, Scheduler.judged(stsb, "loss"), 0.0);
    }

    /** Two tasks in one sweep: each run is judged against the runs of its own dataset only. */
    @Test
    void aSweepOverTwoDatasetsJudgesEachRunAmongItsOwnTask() {
        workers(4, T0);
        schedule(SweepSchedule.newBuilder().setSweepId("s").setSubmittedAt(T0).setEarlyStopping(EarlyStopping.newBuilder()
                .setRule(StoppingRule.ASHA).setMetric("primary").setMinSteps(10).setReductionFactor(2).setMinRuns(3).build()).build());
        ExperimentRequest sst2 = request("sst2", "s", 0, 0);
        ExperimentRequest stsb = request("stsb", "s", 0, 1);
        stsb.setDataset("glue-stsb");
        submit(sst2, T0);
        submit(stsb, T0);
        assertEquals(2, dispatched(scheduler.plan(T0)).size());
        running("sst2", 10, T0.plusSeconds(1));
        running("stsb", 10, T0.plusSeconds(1));
        scheduler.observe(eval("sst2", 10, 0.90));
        scheduler.observe(regression("stsb", 10, 0.40));
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(2)), "0.40 Pearson/Spearman is not worse than 0.90 accuracy");
    }

    private static EvalMetric regression(String runId, long step, double score) {
        return EvalMetric.newBuilder().setRunId(runId).setAttempt(1).setStep(step).setEpoch(0).setAccuracy(Double.NaN)
                .setF1(Double.NaN).setLoss(0.25).setExamples(100).setBest(true).setTimestamp(T0)
                .setMetric("pearson_spearman").setMetrics(java.util.Map.of("pearson", score, "spearman", score,
                        "pearson_spearman", score)).build();
    }

    @Test
    void aDispatchNoWorkerClaimsIsDispatchedAgainWithTheNextAttemptThenFailsAtMaxAttempts() {
        Scheduler strict = new Scheduler(Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
        strict.observe(heartbeat("w0", T0, false, null));
        ExperimentRequest request = ExperimentRequest.newBuilder(request("r", "s", 0, 0)).setMaxAttempts(2).build();
        strict.submitted(request, T0);
        List<Action> first = strict.plan(T0);
        assertEquals(1, ((Action.Dispatch) first.get(0)).request().getAttempt());
        strict.dispatched(((Action.Dispatch) first.get(0)).request(), T0);
        assertEquals(List.of(), strict.plan(T0.plusSeconds(10)), "within the start timeout");
        List<Action> lost = strict.plan(T0.plusSeconds(11));
        Action.Requeue requeue = (Action.Requeue) lost.get(0);
        assertEquals(1, requeue.queued().getFailedAttempts());
        assertTrue(requeue.queued().getReason().startsWith("no worker started attempt 1 within 10 s of its dispatch"),
                requeue.queued().getReason());
        // queued again, and dispatched again in the same decision: the worker is free
        ExperimentRequest second = ((Action.Dispatch) lost.get(1)).request();
        assertEquals(2, second.getAttempt(), "the next dispatch is for the next attempt");
        strict.observe(requeue.queued());
        strict.submitted(requeue.request(), T0.plusSeconds(11));
        strict.dispatched(second, T0.plusSeconds(12));
        Action.Conclude failed = (Action.Conclude) strict.plan(T0.plusSeconds(23)).get(0);
        assertEquals(RunState.FAILED, failed.status().getState());
        assertEquals(FailureKind.INFRASTRUCTURE, failed.status().getFailure().getKind());
        assertEquals(2, failed.status().getFailedAttempts());
        strict.observe(failed.status());
        assertEquals(List.of(), strict.plan(T0.plusSeconds(60)), "a failed run holds no slot and is not dispatched");
        strict.submitted(request("next", "s", 0, 1), T0.plusSeconds(60));
        assertEquals("next", strict.plan(T0.plusSeconds(60)).get(0).runId(), "the slot is free");
    }

    @Test
    void aClaimedRunWhoseWorkerFallsSilentIsQueuedAgainAndAHandBackIsNotCounted() {
        Scheduler strict = new Scheduler(Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
        strict.observe(heartbeat("w0", T0, false, null), T0);
        strict.submitted(request("r", "s", 0, 0), T0);
        ExperimentRequest dispatch = ((Action.Dispatch) strict.plan(T0).get(0)).request();
        strict.dispatched(dispatch, T0);
        strict.observe(status("r", RunState.STARTING, 1, "w0"), T0.plusSeconds(1));
        strict.observe(heartbeat("w0", T0.plusSeconds(20), true, "r"), T0.plusSeconds(20));
        assertEquals(List.of(), strict.plan(T0.plusSeconds(49)), "heard of 29 s ago");
        List<Action> actions = strict.plan(T0.plusSeconds(51));
        Action.Requeue lost = (Action.Requeue) actions.get(0);
        assertEquals(1, lost.queued().getFailedAttempts());
        assertTrue(lost.queued().getReason().startsWith("worker w0 stopped reporting on attempt 1: nothing heard for 31 s"),
                lost.queued().getReason());
        ExperimentRequest second = ((Action.Dispatch) actions.get(1)).request();
        assertEquals(2, second.getAttempt());
        strict.observe(lost.queued(), T0.plusSeconds(51));
        strict.submitted(lost.request(), T0.plusSeconds(51));
        strict.dispatched(second, T0.plusSeconds(52));
        strict.observe(status("r", RunState.STARTING, 2, "w1"), T0.plusSeconds(53));
        // a late status of the lost attempt changes nothing
        strict.observe(status("r", RunState.SUCCEEDED, 1, "w0"), T0.plusSeconds(54));
        RunStatus handedBack = RunStatus.newBuilder(status("r", RunState.QUEUED, 2, null)).setFailedAttempts(1).setStep(40).build();
        strict.observe(handedBack, T0.plusSeconds(60));
        Action.Requeue again = (Action.Requeue) strict.plan(T0.plusSeconds(60)).get(0);
        assertEquals(1, again.queued().getFailedAttempts(), "a hand-back is not a lost attempt");
        assertTrue(again.queued().getReason().startsWith("handed back at step 40"), again.queued().getReason());
    }

    @Test
    void aRequestPublishedStraightToTheRequestsTopicHoldsNoSlot() {
        workers(1, T0);
        scheduler.dispatched(request("stray", "s", 0, 0), T0);
        submit(request("mine", "s", 0, 1), T0);
        assertEquals(List.of("mine"), dispatched(scheduler.plan(T0.plusSeconds(1))), "the stray request took the worker's slot");
        assertEquals(List.of(), scheduler.plan(T0.plus(Duration.ofMinutes(10))).stream()
                .filter(a -> a.runId().equals("stray")).toList(), "the coordinator took over a run it never had");
    }

    @Test
    void aSubmissionThatBreaksTheLimitsIsRejectedAndNeverDispatched() {
        workers(1, T0);
        ExperimentRequest huge = ExperimentRequest.newBuilder(request("huge", "s", 0, 0)).setModel("m".repeat(600)).build();
        scheduler.submitted(huge, T0);
        List<Action> actions = scheduler.plan(T0);
        assertEquals(1, actions.size(), actions.toString());
        Action.Reject reject = (Action.Reject) actions.get(0);
        assertEquals(FailureKind.BAD_REQUEST, reject.failed().getFailure().getKind());
        assertEquals("model", reject.failed().getFailure().getField());
        scheduler.observe(reject.failed());
        assertEquals(List.of(), scheduler.plan(T0.plusSeconds(1)));
    }

    private static WorkerHeartbeat heartbeat(String workerId, Instant at, boolean busy, String runId) {
        return WorkerHeartbeat.newBuilder().setWorkerId(workerId).setHost("h").setQueueMode("share").setBusy(busy)
                .setRunId(runId).setStartedAt(at).setTimestamp(at).setIntervalMillis(Duration.ofHours(1).toMillis()).build();
    }

    private static RunStatus status(String runId, RunState state, int attempt, String workerId) {
        return RunStatus.newBuilder().setRunId(runId).setSweepId("s").setState(state).setAttempt(attempt)
                .setWorkerId(workerId).setUpdatedAt(T0).build();
    }

    /** Workers whose heartbeats keep them live for the whole test. */
    private void workers(int count, Instant at) {
        workers(count, at, Duration.ofHours(1));
    }

    private void workers(int count, Instant at, Duration interval) {
        for (int i = 0; i < count; i++) {
            scheduler.observe(WorkerHeartbeat.newBuilder().setWorkerId("w" + i).setHost("h").setQueueMode("share")
                    .setBusy(false).setStartedAt(at).setTimestamp(at).setIntervalMillis(interval.toMillis()).build());
        }
    }

    private void schedule(SweepSchedule schedule) {
        scheduler.observe(schedule);
    }

    private void submit(ExperimentRequest unstamped, Instant at) {
        ExperimentRequest request = ExperimentRequest.newBuilder(unstamped).setSubmittedAt(at).build();
        scheduler.observe(RunStatus.newBuilder().setRunId(request.getRunId()).setSweepId(request.getSweepId())
                .setState(RunState.QUEUED).setUpdatedAt(at).build());
        scheduler.submitted(request, at);
    }

    /** The runs dispatched by {@code actions}, echoed back as Kafka would. */
    private List<String> dispatched(List<Action> actions) {
        List<ExperimentRequest> requests = actions.stream().filter(Action.Dispatch.class::isInstance)
                .map(a -> ((Action.Dispatch) a).request()).toList();
        requests.forEach(r -> scheduler.dispatched(r, T0));
        return requests.stream().map(ExperimentRequest::getRunId).toList();
    }

    private void running(String runId, long step, Instant at) {
        scheduler.observe(RunStatus.newBuilder().setRunId(runId).setSweepId("s").setState(RunState.RUNNING).setAttempt(1)
                .setStep(step).setUpdatedAt(at).build());
    }

    private void end(String runId, RunState state, Instant at) {
        scheduler.observe(RunStatus.newBuilder().setRunId(runId).setSweepId("s").setState(state).setAttempt(1)
                .setUpdatedAt(at).setFinishedAt(at).build());
    }

    private void fail(String runId, FailureKind kind, int failedAttempts, Instant at) {
        scheduler.observe(RunStatus.newBuilder().setRunId(runId).setSweepId("s").setState(RunState.FAILED)
                .setAttempt(failedAttempts).setFailedAttempts(failedAttempts)
                .setFailure(RunFailure.newBuilder().setKind(kind).setMessage(kind + " failure").build())
                .setUpdatedAt(at).setFinishedAt(at).build());
    }

    private static EvalMetric eval(String runId, long step, double accuracy) {
        return EvalMetric.newBuilder().setRunId(runId).setAttempt(1).setStep(step).setEpoch(0).setAccuracy(accuracy)
                .setF1(accuracy).setLoss(1 - accuracy).setExamples(100).setBest(true).setTimestamp(T0).build();
    }

    private static ExperimentRequest request(String runId, String sweep, int priority, int sequence) {
        return ExperimentRequest.newBuilder().setRunId(runId).setSweepId(sweep).setMethod(AdapterMethodId.lora)
                .setAdapter(AdapterSettings.newBuilder().build()).setTraining(TrainingSettings.newBuilder().build())
                .setPriority(priority).setSequence(sequence).setSubmittedAt(T0).build();
    }
}
