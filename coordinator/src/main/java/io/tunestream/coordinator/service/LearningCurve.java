package io.tunestream.coordinator.service;

import io.tunestream.coordinator.service.CoordinatorState.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One run's learning curve (its losses, or its scores) in bounded memory: at most {@value #CAPACITY} points whatever
 * the run's length (docs/operations.md, "Coordinator memory and restart"). Points are kept at the steps that are
 * multiples of a stride; when the curve is full the stride doubles and every other kept point goes, so a long run
 * keeps an evenly spaced curve from its first step to its last. The most recent point is always shown. A resumed run
 * repeats the steps after its checkpoint: at a step, the later attempt's point wins.
 */
final class LearningCurve {

    /** Points kept per curve: an HTML report draws at most 400, a dashboard a few hundred. */
    static final int CAPACITY = 512;

    private final TreeMap<Long, Point> kept = new TreeMap<>();
    private long stride = 1;
    private Point newest;

    void add(Point point) {
        if (newest == null || point.attempt() > newest.attempt()
                || (point.attempt() == newest.attempt() && point.step() >= newest.step())) {
            newest = point;
        }
        if (point.step() % stride != 0) {
            return;
        }
        kept.merge(point.step(), point, (old, fresh) -> fresh.attempt() >= old.attempt() ? fresh : old);
        while (kept.size() > CAPACITY) {
            stride *= 2;
            long every = stride;
            kept.keySet().removeIf(step -> step % every != 0);
        }
    }

    /** The kept points in step order, then the newest point if it fell between them. */
    List<Point> points() {
        List<Point> points = new ArrayList<>(kept.values());
        if (newest != null && !kept.containsKey(newest.step()) && (kept.isEmpty() || newest.step() > kept.lastKey())) {
            points.add(newest);
        }
        return points;
    }
}
