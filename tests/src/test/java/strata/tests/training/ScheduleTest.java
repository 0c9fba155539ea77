package strata.tests.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import strata.runtime.train.Schedule;

/** Learning-rate schedules against their published closed forms. */
class ScheduleTest {
    /** nanoGPT's get_lr, transcribed from its formula: warm-up (it + 1) / (warmup + 1), cosine to min_lr. */
    static double nanogpt(long it, double lr, double minLr, long warmup, long decay) {
        if (it < warmup) return lr * (it + 1) / (warmup + 1);
        if (it > decay) return minLr;
        double r = (double) (it - warmup) / (decay - warmup);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * r)) * (lr - minLr);
    }

    @Test
    void cosineScheduleIsNanoGptsForEveryStep() {
        Schedule s = new Schedule(Schedule.Decay.COSINE, 1e-3, 1e-4, 100, 2000);
        for (long it = 0; it < 2500; it++) assertEquals(nanogpt(it, 1e-3, 1e-4, 100, 2000), s.at(it), 1e-15, "step " + it);
    }

    @Test
    void linearDecayFallsLinearlyToTheFloor() {
        Schedule s = new Schedule(Schedule.Decay.LINEAR, 1.0, 0.0, 0, 10);
        for (int i = 0; i <= 10; i++) assertEquals(1.0 - i / 10.0, s.at(i), 1e-12);
    }

    @Test
    void slantedTriangularRisesThenFallsToPeakOverRatio() {
        // ULMFiT eq. 3 with T = 100, cut_frac = 0.1 (cut = 10), ratio = 32
        Schedule s = new Schedule(Schedule.Decay.SLANTED_TRIANGULAR, 0.01, 0.01 / 32, 10, 100);
        assertEquals(0.01 / 32, s.at(0), 1e-15);
        assertEquals(0.01, s.at(10), 1e-15);
        assertEquals(0.01 / 32, s.at(100), 1e-15);
        for (int t = 1; t <= 10; t++) assertTrue(s.at(t) > s.at(t - 1));
        for (int t = 11; t <= 100; t++) assertTrue(s.at(t) < s.at(t - 1));
    }
}
