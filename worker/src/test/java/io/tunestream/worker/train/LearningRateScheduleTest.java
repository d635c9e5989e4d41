package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysToZero() {
        LearningRateSchedule schedule = LearningRateSchedule.of(1e-3, 0.06, 100);
        assertEquals(6, schedule.warmupSteps());
        assertEquals(0, schedule.at(0), 0);
        assertEquals(0.5e-3, schedule.at(3), 1e-12);
        assertEquals(1e-3, schedule.at(6), 1e-12);
        assertEquals(1e-3 * 47 / 94, schedule.at(53), 1e-12);
        assertEquals(1e-3 / 94, schedule.at(99), 1e-12);
        assertEquals(0, schedule.at(100), 0);
    }

    @Test
    void rejectsAnEmptySchedule() {
        assertEquals("a schedule needs at least one step, got 0",
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.of(1e-3, 0.1, 0)).getMessage());
    }
}
