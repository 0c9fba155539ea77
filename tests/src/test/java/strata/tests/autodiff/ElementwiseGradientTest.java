package strata.tests.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static strata.tests.autodiff.GradientCheck.awayFromZero;
import static strata.tests.autodiff.GradientCheck.f32;
import static strata.tests.autodiff.GradientCheck.normal;
import static strata.tests.autodiff.GradientCheck.uniform;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;

/**
 * The gradient of every elementwise op equals central finite differences of the interpreter
 * ({@link GradientCheck}: |ad - fd| <= 1e-6 + 1e-5 |fd|), on random shapes, with operands that
 * broadcast, and values kept off the points where the op is not differentiable.
 */
class ElementwiseGradientTest {
    private static final Interpreter INTERP = Interpreter.inference();

    /** Unary ops, with the domain each is checked on: [lo, hi), or away from 0 when lo > hi. */
    private record Unary(OpKind kind, double lo, double hi) {}

    private static final List<Unary> UNARY = List.of(
            new Unary(OpKind.NEG, -2, 2), new Unary(OpKind.EXP, -2, 2), new Unary(OpKind.LOG, 0.3, 3),
            new Unary(OpKind.SQRT, 0.3, 3), new Unary(OpKind.RSQRT, 0.3, 3), new Unary(OpKind.TANH, -2, 2),
            new Unary(OpKind.SIN, -3, 3), new Unary(OpKind.COS, -3, 3), new Unary(OpKind.ERF, -2, 2),
            new Unary(OpKind.SIGMOID, -4, 4), new Unary(OpKind.ABS, 1, -1), new Unary(OpKind.RECIP, 1, -1));

    @Test
    void everyUnaryOpMatchesFiniteDifferences() {
        qt().withExamples(40).forAll(longs().all(), integers().between(0, UNARY.size() - 1), integers().between(1, 4), integers().between(1, 5))
                .checkAssert((seed, which, m, n) -> {
                    Random r = new Random(seed);
                    Unary u = UNARY.get(which);
                    GraphBuilder b = new GraphBuilder("unary");
                    Value x = b.param("x", f32(m, n));
                    Value y = b.op(u.kind(), x);
                    RefTensor xv = u.lo() > u.hi() ? awayFromZero(r, 0.2, m, n) : uniform(r, u.lo(), u.hi(), m, n);
                    GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), Map.of(), Map.of("x", xv), Map.of(), INTERP, r, 0);
                });
    }

    private static final List<OpKind> BINARY = List.of(OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.DIV, OpKind.MAX, OpKind.MIN, OpKind.POW, OpKind.MOD);

    /**
     * Binary ops under numpy broadcasting (b is [n], [m, 1] or [1, n] against a's [m, n], or the
     * other way round). Divisors and pow's base stay in [0.5, 2]; max/min operands differ by at
     * least 0.1 (no ties); mod's quotient stays 0.1 away from an integer (no jumps).
     */
    @Test
    void everyBinaryOpMatchesFiniteDifferencesUnderBroadcasting() {
        qt().withExamples(60).forAll(longs().all(), integers().between(0, BINARY.size() * 6 - 1), integers().between(1, 4), integers().between(1, 4))
                .checkAssert((seed, choice, m, n) -> {
                    Random r = new Random(seed);
                    OpKind k = BINARY.get(choice / 6);
                    int form = choice % 6;
                    long[] big = {m, n};
                    long[] small = switch (form % 3) {
                        case 0 -> new long[] {n};
                        case 1 -> new long[] {m, 1};
                        default -> new long[] {1, n};
                    };
                    boolean swap = form >= 3;
                    long[] sa = swap ? small : big, sb = swap ? big : small;
                    RefTensor a, bv;
                    switch (k) {
                        case DIV -> { a = normal(r, sa); bv = awayFromZero(r, 0.5, sb); }
                        case POW -> { a = uniform(r, 0.5, 2, sa); bv = normal(r, sb); }
                        case MAX, MIN -> {
                            // a and b apart: b = a's broadcast partner shifted by +-[0.1, 1) per element is not
                            // expressible across shapes, so draw a from {-1, 1} lattice points and b near 0
                            a = awayFromZero(r, 0.2, sa);
                            bv = uniform(r, -0.1, 0.1, sb);
                        }
                        case MOD -> {
                            bv = uniform(r, 1, 2, sb);
                            a = uniform(r, 0.1, 0.9, sa); // quotient fraction; scaled below once b is broadcast
                        }
                        default -> { a = normal(r, sa); bv = normal(r, sb); }
                    }
                    GraphBuilder b = new GraphBuilder("binary");
                    Value x = b.param("a", new TensorType(DType.F32, f32(sa).shape())), z = b.param("b", f32(sb));
                    Value y;
                    if (k == OpKind.MOD) {
                        // a' = b * (q + f) with an integer q in [0, 3) and f in [0.1, 0.9): a' mod b = b f, away from jumps
                        Value q = b.constant(r.nextInt(3), TensorType.scalar(DType.F32));
                        Value num = b.op(OpKind.MUL, z, b.op(OpKind.ADD, q, x));
                        y = b.op(OpKind.MOD, num, z);
                    } else y = b.op(k, x, z);
                    GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), Map.of(), Map.of("a", a, "b", bv), Map.of(), INTERP, r, 0);
                });
    }

    /** select routes the adjoint to the chosen branch; the condition broadcasts against both. */
    @Test
    void selectMatchesFiniteDifferences() {
        qt().withExamples(20).forAll(longs().all(), integers().between(1, 4), integers().between(1, 5)).checkAssert((seed, m, n) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("select");
            Value c = b.input("c", TensorType.of(DType.BOOL, m, 1));
            Value x = b.param("x", f32(m, n)), z = b.param("z", f32(n));
            Value y = b.op(OpKind.SELECT, c, x, z);
            double[] cv = new double[m];
            for (int i = 0; i < m; i++) cv[i] = r.nextBoolean() ? 1 : 0;
            Map<String, RefTensor> in = Map.of("c", RefTensor.of(DType.BOOL, new long[] {m, 1}, cv));
            GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), in, Map.of("x", normal(r, m, n), "z", normal(r, n)), Map.of(), INTERP, r, 0);
        });
    }

    /** max(x, x) ties everywhere: each side gets half, so the gradient is 1, as finite differences say. */
    @Test
    void maxOfATieSplitsTheAdjointEvenly() {
        GraphBuilder b = new GraphBuilder("tie");
        Value x = b.param("x", f32(3));
        Value y = b.op(OpKind.MAX, x, x);
        Random r = new Random(1);
        GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), Map.of(), Map.of("x", normal(r, 3)), Map.of(), INTERP, r, 0);
    }

    /**
     * A cast between floats passes the adjoint straight back: the gradient of sum(cast(x) * w) is w
     * cast to x's type (closed form; finite differences would measure the rounding's steps).
     */
    @Test
    void castBetweenFloatsPassesTheAdjointStraightThrough() {
        GraphBuilder b = new GraphBuilder("cast");
        Value x = b.param("x", f32(5));
        Value y = b.op(OpKind.CAST, List.of(x), Map.of(), TensorType.of(DType.F16, 5), List.of());
        Value w = b.input("w", TensorType.of(DType.F16, 5));
        Value loss = b.op(OpKind.CAST, List.of(b.op(OpKind.SUM, List.of(b.op(OpKind.MUL, y, w)), Map.of("axes", new Attr.Ints(List.of(0L))))),
                Map.of(), TensorType.scalar(DType.F32), List.of());
        Graph g = b.build(List.of(loss));
        Gradients.Result res = Gradients.append(g, loss);
        double[] wv = {0.5, -1.25, 2, 0.125, 3};
        var out = INTERP.run(res.graph(), Map.of("w", RefTensor.of(DType.F16, new long[] {5}, wv)),
                Map.of("x", RefTensor.vector(1, 2, 3, 4, 5)));
        assertEquals(RefTensor.vector(wv), out.get(res.gradients().get("x")));
    }

    /**
     * Comparisons, argmax and integer values carry no derivative: a loss that reaches the
     * parameter only through them has gradient zero, as finite differences (of a piecewise
     * constant function, away from its steps) agree.
     */
    @Test
    void nonDifferentiableOpsContributeNothing() {
        qt().withExamples(10).forAll(longs().all(), integers().between(2, 6)).checkAssert((seed, n) -> {
            Random r = new Random(seed);
            GraphBuilder b = new GraphBuilder("flat");
            Value x = b.param("x", f32(n));
            Value arg = b.op(OpKind.ARGMAX, List.of(x), Map.of("axes", new Attr.Ints(List.of(0L))));
            Value argF = b.op(OpKind.CAST, List.of(arg), Map.of(), TensorType.scalar(DType.F32), List.of());
            Value pos = b.op(OpKind.GT, x, b.constant(0, TensorType.scalar(DType.F32)));
            Value posF = b.op(OpKind.SELECT, pos, b.constant(1, TensorType.scalar(DType.F32)), b.constant(-1, TensorType.scalar(DType.F32)));
            Value y = b.op(OpKind.ADD, argF, posF);
            GradientCheck.assertMatches(b.build(List.of(y)), List.of(y), Map.of(), Map.of("x", awayFromZero(r, 0.1, n)), Map.of(), INTERP, r, 0);
        });
    }
}
