package strata.runtime.train;

/**
 * Learning rate by step (0-based): linear warm-up to {@code peak} over {@code warmup} steps, then a
 * decay to {@code floor} at {@code decaySteps}, then the floor. Decays: cosine (Loshchilov and
 * Hutter 2017, SGDR, without restarts; nanoGPT's get_lr), linear, constant, and the slanted
 * triangular rate of ULMFiT (Howard and Ruder 2018, eq. 3: a short linear rise over the first
 * {@code warmup} steps, then a long linear fall to peak / ratio with ratio = peak / floor).
 */
public record Schedule(Decay decay, double peak, double floor, long warmup, long decaySteps) {
    public enum Decay { COSINE, LINEAR, CONSTANT, SLANTED_TRIANGULAR }

    public Schedule {
        if (!(peak > 0)) throw new IllegalArgumentException("the learning rate must be positive, got " + peak);
        if (floor < 0 || floor > peak) throw new IllegalArgumentException("min_lr must lie in [0, lr], got " + floor);
        if (warmup < 0 || decaySteps < 0) throw new IllegalArgumentException("warm-up and decay steps must be >= 0");
    }

    public static Decay decay(String name) {
        return switch (name) {
            case "cosine" -> Decay.COSINE;
            case "linear" -> Decay.LINEAR;
            case "constant", "none" -> Decay.CONSTANT;
            case "slanted_triangular", "stlr" -> Decay.SLANTED_TRIANGULAR;
            default -> throw new IllegalArgumentException("unknown decay `" + name + "`; use cosine, linear, constant or slanted_triangular");
        };
    }

    public double at(long step) {
        if (decay == Decay.SLANTED_TRIANGULAR) {
            double ratio = floor > 0 ? peak / floor : 32;  // ULMFiT's ratio
            long cut = Math.max(1, warmup);
            double p = step < cut ? (double) step / cut : 1 - (double) (step - cut) / Math.max(1, decaySteps - cut);
            return peak * (1 + Math.max(0, p) * (ratio - 1)) / ratio;
        }
        if (step < warmup) return peak * (step + 1) / (warmup + 1);  // nanoGPT's warm-up: never exactly 0
        if (decay == Decay.CONSTANT || step >= decaySteps) return decay == Decay.CONSTANT ? peak : floor;
        double t = (double) (step - warmup) / Math.max(1, decaySteps - warmup);
        double coeff = decay == Decay.COSINE ? 0.5 * (1 + Math.cos(Math.PI * t)) : 1 - t;
        return floor + coeff * (peak - floor);
    }
}
