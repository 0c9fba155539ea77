package strata.runtime;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import strata.compiler.graph.Op;

/**
 * Initial values of a parameter from its initializer ({@code normal(0.02)}, {@code uniform(0.1)},
 * {@code zeros}, {@code ones}), drawn from a stream fixed by the seed and the parameter's name,
 * so that the same seed gives the same weights whatever order parameters are made in.
 */
public final class ParamInit {
    private ParamInit() {}

    public static Tensor of(Arena arena, Op param, long seed) {
        String name = param.strAttr("name", "");
        String init = param.strAttr("init", "zeros");
        Tensor t = Tensor.allocate(arena, param.type().dtype(), param.type().concreteShape(java.util.Map.of()));
        SplittableRandom rnd = new SplittableRandom(seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L));
        String kind = init.contains("(") ? init.substring(0, init.indexOf('(')) : init;
        double arg = init.contains("(") ? Double.parseDouble(init.substring(init.indexOf('(') + 1, init.indexOf(')')).replaceAll("^[a-z_]+=", "")) : 0;
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            double v = switch (kind) {
                case "zeros" -> 0;
                case "ones" -> 1;
                case "normal" -> arg * gaussian(rnd);
                case "uniform" -> arg * (2 * rnd.nextDouble() - 1);
                default -> throw new IllegalArgumentException("parameter " + name + " has an unknown initializer `" + init + "`");
            };
            t.set(i, v);
        }
        return t;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller (the second value is dropped: simplicity over speed, this runs once per parameter)
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
