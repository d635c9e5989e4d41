package io.tunestream.coordinator.schedule;

import io.tunestream.coordinator.sweep.Schedule;
import io.tunestream.schemas.ControlAction;
import io.tunestream.schemas.ControlCommand;
import io.tunestream.schemas.EvalMetric;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.FailureKind;
import io.tunestream.schemas.RequestLimits;
import io.tunestream.schemas.RunFailure;
import io.tunestream.schemas.RunState;
import io.tunestream.schemas.RunStates;
import io.tunestream.schemas.RunStatus;
import io.tunestream.schemas.Scores;
import io.tunestream.schemas.StepMetric;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The coordinator's scheduling decisions: which waiting run a free worker gets next, when a failed run is tried
 * again, which run stops early, and when a sweep's budget ends it. It only decides; the coordinator's loop publishes
 * the {@link Action}s. All it knows comes from Kafka, so a restarted coordinator rebuilds it by reading the topics.
 *
 * <ul>
 *   <li><b>Capacity.</b> Dispatched, unfinished runs never outnumber live workers (by their heartbeats): the
 *       requests topic holds only what workers are about to take, so the order in which runs start is decided here.
 *   <li><b>Order.</b> Highest effective priority first, where a run's effective priority is its priority plus one
 *       for every {@code aging} it has waited: a low-priority run is overtaken by newer high-priority ones only for
 *       a bounded time, never starved. Ties go to the earlier submission, then to grid order.
 *   <li><b>Sweep limits.</b> At most {@code maxConcurrent} runs of a sweep dispatched and unfinished; once its step
 *       or wall-time budget is spent, its running runs are stopped (STOPPED) and its waiting runs cancelled.
 *   <li><b>Ownership.</b> The coordinator owns every run it dispatched until the run ends. Each dispatch carries the
 *       next attempt number, which a worker claims (docs/worker.md, "Claims"). A dispatch that no worker claims
 *       within {@code startTimeout}, or a claimed attempt nothing is heard of (statuses, its worker's heartbeats
 *       naming it) for {@code workerTimeout}, is lost: the run is queued again with one more failed attempt, or fails
 *       (INFRASTRUCTURE) once its failed attempts reach maxAttempts. A run its worker handed back on shutdown is
 *       queued again without counting. So no run is left in between, and none holds a dispatch slot longer.
 *   <li><b>Retries.</b> A run that failed with kind INFRASTRUCTURE is queued again after a backoff that doubles
 *       with each failed attempt, while its failed attempts stay below its request's maxAttempts. Bad requests and
 *       training failures are never retried.
 *   <li><b>Bad submissions.</b> A submission that breaks {@link RequestLimits} is never dispatched: it ends FAILED
 *       (BAD_REQUEST) with the field and the reason, and goes to the dead-letter topic.
 *   <li><b>Early stopping.</b> Each sweep's rule ({@link SuccessiveHalving}, {@link MedianStopping}) judges every
 *       evaluation as it arrives; a run it condemns is ordered to stop.
 * </ul>
 *
 * <p>Actions are applied to this state when decided, before Kafka echoes them back, so a decision is never taken
 * twice; {@link #undo} forgets one whose publication failed.
 */
public final class Scheduler {

    /** Retry backoff of runs whose sweep did not say. */
    static final double DEFAULT_BACKOFF_SECONDS = 30;
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_WORKER_TIMEOUT = Duration.ofSeconds(30);

    private final Duration aging;
    private final Duration startTimeout;
    private final Duration workerTimeout;
    private final Map<String, ScheduledRun> runs = new LinkedHashMap<>();
    private final Map<String, SweepEntry> sweeps = new HashMap<>();
    private final Map<String, WorkerHeartbeat> workers = new HashMap<>();
    private final Deque<EvalMetric> unjudged = new ArrayDeque<>();

    /**
     * @param aging how long a run waits to gain one priority level
     */
    public Scheduler(Duration aging) {
        this(aging, DEFAULT_START_TIMEOUT, DEFAULT_WORKER_TIMEOUT);
    }

    /**
     * @param aging how long a run waits to gain one priority level
     * @param startTimeout how long a dispatch may wait for a worker to claim it before it is counted lost
     * @param workerTimeout how long a claimed attempt may go unheard of before it is counted lost
     */
    public Scheduler(Duration aging, Duration startTimeout, Duration workerTimeout) {
        for (Duration d : List.of(aging, startTimeout, workerTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("aging and timeouts must be positive, got " + d);
            }
        }
        this.aging = aging;
        this.startTimeout = startTimeout;
        this.workerTimeout = workerTimeout;
    }

    /** A record of the submissions topic: the run asks for a dispatch. Its run id must be valid (RequestLimits). */
    public synchronized void submitted(ExperimentRequest request, Instant at) {
        ScheduledRun run = run(request.getRunId());
        run.request = request;
        run.sweepId = request.getSweepId();
        run.submissionsSeen++;
        run.waitingSince = at;
        Optional<RequestLimits.Violation> violation = RequestLimits.check(request);
        run.invalidField = violation.map(RequestLimits.Violation::field).orElse(null);
        run.invalidReason = violation.map(RequestLimits.Violation::message).orElse(null);
    }

    /** A record of the requests topic: the run was dispatched. */
    public synchronized void dispatched(ExperimentRequest request, Instant at) {
        ScheduledRun run = run(request.getRunId());
        if (run.request == null) {
            run.request = request;
            run.sweepId = request.getSweepId();
        }
        run.dispatchesSeen++;
        // a dispatch without an attempt (from before attempts were numbered) is for the attempt after the latest
        int attempt = request.getAttempt() > 0 ? request.getAttempt() : run.nextAttempt();
        // this coordinator's own dispatch keeps the time it was decided; one it did not make is timed by its record
        if (attempt > run.dispatchedAttempt || run.dispatchedAt == null) {
            run.dispatchedAttempt = Math.max(run.dispatchedAttempt, attempt);
            run.dispatchedAt = at;
            run.lastSignOfLife = null;
        }
        sweep(request.getSweepId()).firstDispatch(at);
    }

    /** As {@link #observe(SpecificRecordBase, Instant)}, heard at the message's own time (tests, replays). */
    public synchronized void observe(SpecificRecordBase message) {
        observe(message, null);
    }

    /**
     * A record of the other topics: a status, an order, a metric, a heartbeat or a sweep's schedule, {@code heardAt}
     * on this coordinator's clock (null: the message's own timestamp), which is what an attempt's liveness is
     * judged by.
     */
    public synchronized void observe(SpecificRecordBase message, Instant heardAt) {
        if (message instanceof RunStatus status) {
            ScheduledRun run = run(status.getRunId());
            if (run.sweepId == null) {
                run.sweepId = status.getSweepId();
            }
            // the status topic is keyed by run id, so one run's statuses arrive in the order they were written:
            // the newest read replaces whatever this coordinator assumed since (workers' clocks may differ from ours),
            // unless it is a stale attempt's or comes after the run ended (RunStates.replaces)
            if (!RunStates.replaces(run.status, status)) {
                return;
            }
            run.status = status;
            run.statusBeforeLocal = null;
            if (status.getAttempt() >= run.dispatchedAttempt && status.getWorkerId() != null) {
                run.lastSignOfLife = heardAt != null ? heardAt : status.getUpdatedAt();
            }
            run.stepsReached = Math.max(run.stepsReached, status.getStep());
        } else if (message instanceof ControlCommand command) {
            run(command.getRunId()).order = command.getAction() == ControlAction.UNKNOWN ? null : command;
        } else if (message instanceof StepMetric step) {
            ScheduledRun run = runs.get(step.getRunId());
            if (run != null) {
                run.stepsReached = Math.max(run.stepsReached, step.getStep());
            }
        } else if (message instanceof EvalMetric evaluation) {
            unjudged.add(evaluation);
        } else if (message instanceof WorkerHeartbeat heartbeat) {
            workers.put(heartbeat.getWorkerId(), heartbeat);
            ScheduledRun run = heartbeat.getRunId() == null ? null : runs.get(heartbeat.getRunId());
            if (run != null && run.status != null && heartbeat.getWorkerId().equals(run.status.getWorkerId())) {
                run.lastSignOfLife = heardAt != null ? heardAt : heartbeat.getTimestamp();
            }
        } else if (message instanceof SweepSchedule schedule) {
            sweep(schedule.getSweepId()).schedule(schedule);
        }
    }

    /** A tombstone on the control topic: the run's order was withdrawn (a rerun). */
    public synchronized void withdrawn(String runId) {
        ScheduledRun run = runs.get(runId);
        if (run != null) {
            run.order = null;
        }
    }

    /** Everything to do now, already applied to this state. */
    public synchronized List<Action> plan(Instant now) {
        List<Action> actions = new ArrayList<>();
        judgeEvaluations(now, actions);
        Map<String, String> spent = spentBudgets(now);
        spent.forEach((sweepId, why) -> endSweep(sweepId, why, now, actions));
        for (ScheduledRun run : runs.values()) {
            if (run.wantsDispatch() && run.order != null) {
                // cancelled (or stopped) before any worker had it: no worker will say so, so the coordinator does
                conclude(run, RunState.CANCELLED, orderReason(run.order), now, actions);
            } else if (run.invalidReason != null && run.submissions() > 0 && run.state() != RunState.FAILED
                    && !RunStates.ended(run.state())) {
                reject(run, now, actions);
            }
        }
        ownership(now, actions);
        retries(now, spent, actions);
        dispatch(now, spent, actions);
        return actions;
    }

    /** Forgets an action whose publication failed, so that it is decided again. */
    public synchronized void undo(Action action) {
        ScheduledRun run = runs.get(action.runId());
        if (run == null) {
            return;
        }
        run.submissionsExpected = run.submissionsSeen;
        run.dispatchesExpected = run.dispatchesSeen;
        if (action instanceof Action.Order order && order.command().equals(run.order)) {
            run.order = null;
        }
        if (run.statusBeforeLocal != null) {
            run.status = run.statusBeforeLocal;
            run.statusBeforeLocal = null;
        }
    }

    /** Runs submitted and not yet dispatched (or queued again), whatever their sweep's limits. */
    public synchronized long waitingRuns() {
        return runs.values().stream().filter(ScheduledRun::waiting).count();
    }

    /**
     * Runs that would be training now if there were workers enough: dispatched ones not yet started, plus the waiting
     * ones their sweeps' limits let start. What an autoscaler should add workers for.
     */
    public synchronized long demand(Instant now) {
        Map<String, Integer> inFlight = inFlightBySweep();
        Map<String, String> spent = spentBudgets(now);
        Map<String, Integer> startable = new HashMap<>();
        long pending = runs.values().stream().filter(r -> r.inFlight() && r.state() == RunState.QUEUED).count();
        for (ScheduledRun run : runs.values()) {
            SweepEntry sweep = sweep(run.sweepId);
            if (!run.waiting() || spent.containsKey(run.sweepId)) {
                continue;
            }
            int used = inFlight.getOrDefault(run.sweepId, 0) + startable.getOrDefault(run.sweepId, 0);
            if (sweep.maxConcurrent() == null || used < sweep.maxConcurrent()) {
                startable.merge(run.sweepId, 1, Integer::sum);
            }
        }
        return pending + startable.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Workers whose last heartbeat is younger than three of their intervals. */
    public synchronized int liveWorkers(Instant now) {
        return (int) workers.values().stream().filter(h -> Duration.between(h.getTimestamp(), now)
                .compareTo(Duration.ofMillis(3 * h.getIntervalMillis())) <= 0).count();
    }

    private void judgeEvaluations(Instant now, List<Action> actions) {
        for (EvalMetric evaluation; (evaluation = unjudged.poll()) != null; ) {
            ScheduledRun run = runs.get(evaluation.getRunId());
            if (run == null || run.sweepId == null) {
                continue;
            }
            // a sweep over several datasets compares each run with the runs of its own task: scores of two tasks do not compare
            Optional<StoppingRule> rule = sweep(run.sweepId).rule(run.request == null ? "" : run.request.getDataset());
            if (rule.isEmpty()) {
                continue;
            }
            double value = judged(evaluation, sweep(run.sweepId).schedule.getEarlyStopping().getMetric());
            if (Double.isNaN(value)) {
                continue;
            }
            Optional<String> verdict = rule.get().judge(run.runId, evaluation.getStep(), value);
            if (verdict.isPresent() && run.inFlight() && run.order == null) {
                order(run, ControlAction.STOP, verdict.get(), now, actions);
            }
        }
    }

    /**
     * The value a stopping rule compares, higher being better: the task's primary metric ({@code primary}), the dev
     * loss negated, or a metric by name; NaN when the evaluation does not report that metric.
     */
    static double judged(EvalMetric evaluation, String metric) {
        return switch (metric) {
            case Schedule.PRIMARY_METRIC -> Scores.primary(evaluation);
            case "loss" -> -evaluation.getLoss();
            case "accuracy" -> evaluation.getMetrics().getOrDefault("accuracy", evaluation.getAccuracy());
            default -> evaluation.getMetrics().getOrDefault(metric, Double.NaN);
        };
    }

    /** The sweeps whose budget is spent, each with why; one pass over the runs, whatever the number of sweeps. */
    private Map<String, String> spentBudgets(Instant now) {
        Map<String, Long> steps = new HashMap<>();
        runs.values().forEach(r -> steps.merge(r.sweepId == null ? "" : r.sweepId, r.stepsReached, Long::sum));
        Map<String, String> spent = new HashMap<>();
        for (Map.Entry<String, SweepEntry> entry : sweeps.entrySet()) {
            SweepSchedule schedule = entry.getValue().schedule;
            if (schedule == null) {
                continue;
            }
            long used = steps.getOrDefault(entry.getKey(), 0L);
            Instant first = entry.getValue().firstDispatch;
            if (schedule.getMaxTotalSteps() != null && used >= schedule.getMaxTotalSteps()) {
                spent.put(entry.getKey(), String.format(Locale.ROOT,
                        "sweep budget spent: its runs reached %d steps of maxTotalSteps %d", used, schedule.getMaxTotalSteps()));
            } else if (schedule.getMaxWallSeconds() != null && first != null
                    && Duration.between(first, now).toSeconds() >= schedule.getMaxWallSeconds()) {
                spent.put(entry.getKey(), String.format(Locale.ROOT, "sweep budget spent: %d s since its first dispatch,"
                        + " maxWallSeconds %d", Duration.between(first, now).toSeconds(), schedule.getMaxWallSeconds()));
            }
        }
        return spent;
    }

    private void endSweep(String sweepId, String spent, Instant now, List<Action> actions) {
        for (ScheduledRun run : runs.values()) {
            if (!sweepId.equals(run.sweepId) || run.order != null) {
                continue;
            }
            if (run.waiting()) {
                conclude(run, RunState.CANCELLED, spent, now, actions);
            } else if (run.inFlight()) {
                boolean started = run.state() == RunState.STARTING || run.state() == RunState.RUNNING;
                order(run, started ? ControlAction.STOP : ControlAction.CANCEL, spent, now, actions);
            }
        }
    }

    /** Every dispatched run is claimed, in progress and heard of, or ended; a lost one is queued again or failed. */
    private void ownership(Instant now, List<Action> actions) {
        for (ScheduledRun run : runs.values()) {
            if (run.handedBack()) {
                String reason = "handed back at step " + run.status.getStep() + " by a stopping worker";
                requeue(run, queuedAgain(run.status, reason, now), now, actions);
            } else if (run.awaitingClaim() && run.dispatchedAt != null
                    && now.isAfter(run.dispatchedAt.plus(startTimeout))) {
                lost(run, String.format(Locale.ROOT, "no worker started attempt %d within %d s of its dispatch",
                        run.dispatchedAttempt, startTimeout.toSeconds()), now, actions);
            } else if (run.claimed()) {
                Instant heard = run.lastSignOfLife != null ? run.lastSignOfLife : run.dispatchedAt;
                if (heard != null && now.isAfter(heard.plus(workerTimeout))) {
                    lost(run, String.format(Locale.ROOT, "worker %s stopped reporting on attempt %d: nothing heard for %d s",
                            run.status.getWorkerId(), run.status.getAttempt(), Duration.between(heard, now).toSeconds()),
                            now, actions);
                }
            }
        }
    }

    /**
     * An attempt lost to the infrastructure: the run is queued again with one more failed attempt, or fails once
     * they reach its request's maxAttempts; an order given meanwhile (cancel, stop) ends it instead.
     */
    private void lost(ScheduledRun run, String why, Instant now, List<Action> actions) {
        RunStatus status = run.status != null ? run.status
                : RunStatus.newBuilder().setRunId(run.runId).setSweepId(run.sweepId == null ? "" : run.sweepId)
                        .setState(RunState.QUEUED).setUpdatedAt(now).build();
        int failed = status.getFailedAttempts() + 1;
        RunStatus counted = RunStatus.newBuilder(status).setFailedAttempts(failed).build();
        if (run.order != null) {
            conclude(run, run.order.getAction() == ControlAction.STOP ? RunState.STOPPED : RunState.CANCELLED,
                    orderReason(run.order) + "; " + why, now, actions);
        } else if (run.request == null || failed >= run.request.getMaxAttempts()) {
            int max = run.request == null ? failed : run.request.getMaxAttempts();
            RunStatus failedStatus = RunStatus.newBuilder(counted).setState(RunState.FAILED).setWorkerId(null)
                    .setReason(RequestLimits.bounded(why))
                    .setFailure(RunFailure.newBuilder().setKind(FailureKind.INFRASTRUCTURE)
                            .setMessage(RequestLimits.bounded(failed + " attempts lost to infrastructure (maxAttempts " + max
                                    + "); the last: " + why)).build())
                    .setUpdatedAt(now).setFinishedAt(now).build();
            run.setLocalStatus(failedStatus);
            actions.add(new Action.Conclude(failedStatus));
        } else {
            String reason = String.format(Locale.ROOT, "%s; queued again (%d of %d attempts lost)", why, failed,
                    run.request.getMaxAttempts());
            requeue(run, queuedAgain(counted, reason, now), now, actions);
        }
    }

    private void requeue(ScheduledRun run, RunStatus queued, Instant now, List<Action> actions) {
        run.submissionsExpected = run.submissions() + 1;
        run.waitingSince = now;
        run.setLocalStatus(queued);
        actions.add(new Action.Requeue(run.request, queued));
    }

    /** A submission that can never run: FAILED (BAD_REQUEST) naming the field, and dead-lettered. */
    private void reject(ScheduledRun run, Instant now, List<Action> actions) {
        RunStatus.Builder status = run.status != null ? RunStatus.newBuilder(run.status)
                : RunStatus.newBuilder().setRunId(run.runId).setSweepId(run.sweepId == null ? "" : run.sweepId);
        RunStatus failed = status.setSweepId(RequestLimits.SWEEP_ID.matcher(String.valueOf(run.sweepId)).matches() ? run.sweepId : "")
                .setState(RunState.FAILED).setWorkerId(null).setReason(null)
                .setFailure(RunFailure.newBuilder().setKind(FailureKind.BAD_REQUEST).setField(run.invalidField)
                        .setMessage(RequestLimits.bounded(run.invalidReason)).build())
                .setUpdatedAt(now).setFinishedAt(now).build();
        run.setLocalStatus(failed);
        actions.add(new Action.Reject(run.request, failed));
    }

    private void retries(Instant now, Map<String, String> spent, List<Action> actions) {
        for (ScheduledRun run : runs.values()) {
            RunStatus status = run.status;
            if (status == null || status.getState() != RunState.FAILED || status.getFailure() == null
                    || status.getFailure().getKind() != FailureKind.INFRASTRUCTURE || run.request == null
                    || run.order != null || run.submissions() > run.dispatches()
                    || status.getFailedAttempts() >= run.request.getMaxAttempts()
                    || spent.containsKey(run.sweepId)) {
                continue;
            }
            SweepEntry sweep = sweep(run.sweepId);
            double base = sweep.schedule == null ? DEFAULT_BACKOFF_SECONDS : sweep.schedule.getRetryBackoffSeconds();
            double backoff = base * Math.pow(2, Math.max(0, status.getFailedAttempts() - 1));
            Instant failedAt = status.getFinishedAt() != null ? status.getFinishedAt() : status.getUpdatedAt();
            if (now.isBefore(failedAt.plusMillis((long) (backoff * 1000)))) {
                continue;
            }
            String reason = String.format(Locale.ROOT, "retry after %d of %d attempts failed (backoff %.0f s): %s",
                    status.getFailedAttempts(), run.request.getMaxAttempts(), backoff, status.getFailure().getMessage());
            requeue(run, queuedAgain(status, reason, now), now, actions);
        }
    }

    /**
     * An ended run's status turned back to QUEUED, for a retry or a rerun: its progress and attempt counts kept (so
     * later metrics supersede earlier ones), its worker, summary and failure cleared, {@code reason} saying why.
     */
    public static RunStatus queuedAgain(RunStatus ended, String reason, Instant now) {
        return RunStatus.newBuilder(ended).setState(RunState.QUEUED).setWorkerId(null).setSummary(null)
                .setFailure(null).setReason(reason).setUpdatedAt(now).setFinishedAt(null).build();
    }

    private void dispatch(Instant now, Map<String, String> spent, List<Action> actions) {
        Map<String, Integer> inFlight = inFlightBySweep();
        int capacity = liveWorkers(now) - inFlight.values().stream().mapToInt(Integer::intValue).sum();
        if (capacity <= 0) {
            return;
        }
        List<ScheduledRun> candidates = runs.values().stream()
                .filter(r -> r.waiting() && r.request != null && !spent.containsKey(r.sweepId))
                .sorted(queueOrder(now)).toList();
        for (ScheduledRun run : candidates) {
            if (capacity == 0) {
                break;
            }
            Integer limit = sweep(run.sweepId).maxConcurrent();
            if (limit != null && inFlight.getOrDefault(run.sweepId, 0) >= limit) {
                continue;
            }
            ExperimentRequest dispatch = ExperimentRequest.newBuilder(run.request).setAttempt(run.nextAttempt()).build();
            run.dispatchesExpected = run.dispatches() + 1;
            run.dispatchedAttempt = dispatch.getAttempt();
            run.dispatchedAt = now;
            run.lastSignOfLife = null;
            inFlight.merge(run.sweepId, 1, Integer::sum);
            sweep(run.sweepId).firstDispatch(now);
            capacity--;
            actions.add(new Action.Dispatch(dispatch));
        }
    }

    /** Highest effective priority first (priority plus one per {@code aging} waited), then submission, then grid order. */
    Comparator<ScheduledRun> queueOrder(Instant now) {
        return Comparator.comparingLong((ScheduledRun r) -> -effectivePriority(r, now))
                .thenComparing(r -> r.request.getSubmittedAt())
                .thenComparingInt(r -> r.request.getSequence())
                .thenComparing(r -> r.runId);
    }

    long effectivePriority(ScheduledRun run, Instant now) {
        long waited = run.waitingSince == null ? 0 : Math.max(0, Duration.between(run.waitingSince, now).toMillis());
        return run.request.getPriority() + waited / aging.toMillis();
    }

    private Map<String, Integer> inFlightBySweep() {
        Map<String, Integer> inFlight = new HashMap<>();
        runs.values().stream().filter(ScheduledRun::inFlight).forEach(r -> inFlight.merge(r.sweepId, 1, Integer::sum));
        return inFlight;
    }

    private void order(ScheduledRun run, ControlAction action, String reason, Instant now, List<Action> actions) {
        ControlCommand command = ControlCommand.newBuilder().setRunId(run.runId).setAction(action).setReason(reason)
                .setIssuedAt(now).build();
        run.order = command;
        actions.add(new Action.Order(command));
    }

    private void conclude(ScheduledRun run, RunState state, String reason, Instant now, List<Action> actions) {
        RunStatus.Builder status = run.status != null ? RunStatus.newBuilder(run.status)
                : RunStatus.newBuilder().setRunId(run.runId).setSweepId(run.sweepId == null ? "" : run.sweepId);
        RunStatus concluded = status.setState(state).setWorkerId(null).setReason(reason).setUpdatedAt(now)
                .setFinishedAt(now).build();
        run.setLocalStatus(concluded);
        actions.add(new Action.Conclude(concluded));
    }

    private static String orderReason(ControlCommand order) {
        return order.getReason() != null ? order.getReason()
                : order.getAction() == ControlAction.CANCEL ? "cancelled before it started" : "stopped before it started";
    }

    private ScheduledRun run(String runId) {
        return runs.computeIfAbsent(runId, ScheduledRun::new);
    }

    private SweepEntry sweep(String sweepId) {
        return sweeps.computeIfAbsent(sweepId == null ? "" : sweepId, id -> new SweepEntry());
    }

    /** One sweep's schedule, its stopping rule's memory per dataset, and when it first had a run dispatched. */
    private static final class SweepEntry {
        SweepSchedule schedule;
        final Map<String, StoppingRule> rules = new HashMap<>();
        Instant firstDispatch;

        void schedule(SweepSchedule next) {
            boolean sameRule = schedule != null && java.util.Objects.equals(schedule.getEarlyStopping(), next.getEarlyStopping());
            schedule = next;
            if (!sameRule) {
                rules.clear();
            }
        }

        /** The rule that judges the sweep's runs on {@code dataset}, with its own memory of their evaluations. */
        Optional<StoppingRule> rule(String dataset) {
            if (schedule == null || schedule.getEarlyStopping() == null) {
                return Optional.empty();
            }
            return Optional.of(rules.computeIfAbsent(dataset, d -> StoppingRule.of(schedule.getEarlyStopping())));
        }

        Integer maxConcurrent() {
            return schedule == null ? null : schedule.getMaxConcurrent();
        }

        void firstDispatch(Instant at) {
            if (firstDispatch == null || at.isBefore(firstDispatch)) {
                firstDispatch = at;
            }
        }
    }
}
