package io.tunestream.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.service.CoordinatorState.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run's curve stays within its capacity however long the run, evenly spaced, its newest point shown. */
class LearningCurveTest {

    @Test
    void aShortRunKeepsEveryPoint() {
        LearningCurve curve = new LearningCurve();
        for (long step = 1; step <= 300; step++) {
            curve.add(new Point(step, 1, 1.0 / step));
        }
        List<Point> points = curve.points();
        assertEquals(300, points.size());
        assertEquals(1, points.get(0).step());
        assertEquals(300, points.get(299).step());
    }

    @Test
    void aLongRunKeepsAtMostTheCapacityEvenlySpacedWithItsNewestPoint() {
        LearningCurve curve = new LearningCurve();
        long steps = 1_000_003;
        for (long step = 1; step <= steps; step++) {
            curve.add(new Point(step, 1, step));
            if (step % 100_000 == 0) {
                assertTrue(curve.points().size() <= LearningCurve.CAPACITY + 1, "at step " + step + ": " + curve.points().size());
            }
        }
        List<Point> points = curve.points();
        assertTrue(points.size() <= LearningCurve.CAPACITY + 1 && points.size() > LearningCurve.CAPACITY / 2, "kept " + points.size());
        long gap = points.get(1).step() - points.get(0).step();
        for (int i = 1; i < points.size() - 1; i++) {
            assertEquals(gap, points.get(i).step() - points.get(i - 1).step(), "evenly spaced at " + i);
        }
        assertEquals(steps, points.get(points.size() - 1).step(), "the newest step is shown");
        assertTrue(points.get(0).step() <= gap, "the curve starts at the run's start: " + points.get(0));
    }

    @Test
    void aResumedAttemptReplacesTheStepsItRepeats() {
        LearningCurve curve = new LearningCurve();
        for (long step = 1; step <= 10; step++) {
            curve.add(new Point(step, 1, 1));
        }
        for (long step = 7; step <= 12; step++) {
            curve.add(new Point(step, 2, 2));
        }
        // a late record of the first attempt does not overwrite the second's
        curve.add(new Point(8, 1, 1));
        List<Point> points = curve.points();
        assertEquals(12, points.size());
        for (Point point : points) {
            assertEquals(point.step() >= 7 ? 2 : 1, point.attempt(), point.toString());
        }
    }
}
