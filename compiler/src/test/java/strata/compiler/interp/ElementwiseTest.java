package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;
import static strata.compiler.interp.SingleOp.attrs;
import static strata.compiler.interp.SingleOp.ints;
import static strata.compiler.interp.SingleOp.run;
import static strata.compiler.interp.SingleOp.shape;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

class ElementwiseTest {
    private static final RefTensor X = RefTensor.vector(-2.0, -0.5, 0.0, 0.5, 2.0);

    @Test
    void unaryOpsMatchTheirClosedForms() {
        assertArrayEquals(new double[] {2, 0.5, -0.0, -0.5, -2}, run(OpKind.NEG, Map.of(), X).toArray());
        assertArrayEquals(new double[] {2, 0.5, 0, 0.5, 2}, run(OpKind.ABS, Map.of(), X).toArray());
        RefTensor p = RefTensor.vector(0.25, 1, 4);
        assertArrayEquals(new double[] {0.5, 1, 2}, run(OpKind.SQRT, Map.of(), p).toArray());
        assertArrayEquals(new double[] {2, 1, 0.5}, run(OpKind.RSQRT, Map.of(), p).toArray());
        assertArrayEquals(new double[] {4, 1, 0.25}, run(OpKind.RECIP, Map.of(), p).toArray());
        assertArrayEquals(new double[] {Math.log(0.25), 0, Math.log(4)}, run(OpKind.LOG, Map.of(), p).toArray());
        assertArrayEquals(new double[] {Math.exp(0.25), Math.E, Math.exp(4)}, run(OpKind.EXP, Map.of(), p).toArray());
        assertArrayEquals(new double[] {Math.tanh(0.25), Math.tanh(1), Math.tanh(4)}, run(OpKind.TANH, Map.of(), p).toArray());
        assertEquals(0.8427007929497149, run(OpKind.ERF, Map.of(), RefTensor.vector(1)).item(), 3e-16);
    }

    @Test
    void sigmoidIsOneOverOnePlusExpMinusXAndNeverOverflows() {
        RefTensor s = run(OpKind.SIGMOID, Map.of(), RefTensor.vector(0, 1, -1000, 1000));
        assertArrayEquals(new double[] {0.5, 1 / (1 + Math.exp(-1)), 0, 1}, s.toArray(), 1e-16);
    }

    @Test
    void geluMatchesKnownPoints() {
        RefTensor erf = run(OpKind.GELU, attrs("approximate", "erf"), RefTensor.vector(1, 0, -1, 3));
        assertEquals(0.8413447460685429, erf.at(0), 2e-16);
        assertEquals(0.0, erf.at(1));
        assertEquals(-0.15865525393145707, erf.at(2), 2e-16); // gelu(-x) = gelu(x) - x
        assertEquals(3 * 0.9986501019683699, erf.at(3), 1e-15); // 3 * Phi(3)
        RefTensor tanh = run(OpKind.GELU, attrs("approximate", "tanh"), RefTensor.vector(1));
        assertEquals(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), tanh.item(), 1e-16);
        assertEquals(0.8411919906082768, tanh.item(), 1e-15);
    }

    @Test
    void binaryOpsBroadcastLikeNumpy() {
        RefTensor a = RefTensor.of(shape(2, 1), 10, 20), b = RefTensor.vector(1, 2, 3);
        RefTensor s = run(OpKind.ADD, Map.of(), a, b);
        assertArrayEquals(new long[] {2, 3}, s.shape());
        assertArrayEquals(new double[] {11, 12, 13, 21, 22, 23}, s.toArray());
        assertArrayEquals(new double[] {9, 8, 7, 19, 18, 17}, run(OpKind.SUB, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {10, 20, 30, 20, 40, 60}, run(OpKind.MUL, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {10, 5, 10 / 3.0, 20, 10, 20 / 3.0}, run(OpKind.DIV, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {10, 100, 1000, 20, 400, 8000}, run(OpKind.POW, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {2, 2, 3}, run(OpKind.MAX, Map.of(), RefTensor.vector(1, 2, 3), RefTensor.scalar(DType.F32, 2)).toArray());
        assertArrayEquals(new double[] {1, 2, 2}, run(OpKind.MIN, Map.of(), RefTensor.vector(1, 2, 3), RefTensor.scalar(DType.F32, 2)).toArray());
    }

    @Test
    void integerDivisionAndModFloorLikePython() {
        RefTensor a = ints(shape(4), 7, -7, 7, -7), b = ints(shape(4), 2, 2, -2, -2);
        assertArrayEquals(new double[] {3, -4, -4, 3}, run(OpKind.DIV, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {1, 1, -1, -1}, run(OpKind.MOD, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {1.5, 0.5}, run(OpKind.MOD, Map.of(), RefTensor.vector(3.5, -3.5), RefTensor.vector(2, 2)).toArray());
    }

    @Test
    void integerLawDivTimesDivisorPlusModIsTheDividend() {
        qt().forAll(integers().between(-1000, 1000), integers().between(-50, 50).assuming(d -> d != 0)).checkAssert((n, d) -> {
            RefTensor a = ints(shape(), n), b = ints(shape(), d);
            double q = run(OpKind.DIV, Map.of(), a, b).item(), m = run(OpKind.MOD, Map.of(), a, b).item();
            assertEquals((double) n, q * d + m);
            assertTrue(m == 0 || Math.signum(m) == Math.signum(d));
        });
    }

    @Test
    void comparisonsAndLogicYieldBools() {
        RefTensor a = RefTensor.vector(1, 2, 3), b = RefTensor.vector(2, 2, 2);
        assertEquals(DType.BOOL, run(OpKind.LT, Map.of(), a, b).dtype());
        assertArrayEquals(new double[] {1, 0, 0}, run(OpKind.LT, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {1, 1, 0}, run(OpKind.LE, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {0, 0, 1}, run(OpKind.GT, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {0, 1, 1}, run(OpKind.GE, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {0, 1, 0}, run(OpKind.EQ, Map.of(), a, b).toArray());
        assertArrayEquals(new double[] {1, 0, 1}, run(OpKind.NE, Map.of(), a, b).toArray());
        RefTensor t = RefTensor.of(DType.BOOL, shape(4), 0, 0, 1, 1), u = RefTensor.of(DType.BOOL, shape(4), 0, 1, 0, 1);
        assertArrayEquals(new double[] {0, 0, 0, 1}, run(OpKind.AND, Map.of(), t, u).toArray());
        assertArrayEquals(new double[] {0, 1, 1, 1}, run(OpKind.OR, Map.of(), t, u).toArray());
        assertArrayEquals(new double[] {1, 1, 0, 0}, run(OpKind.NOT, Map.of(), t).toArray());
    }

    @Test
    void selectPicksTheSecondOperandWhereTheConditionHolds() {
        RefTensor c = RefTensor.of(DType.BOOL, shape(3), 1, 0, 1);
        RefTensor r = run(OpKind.SELECT, Map.of(), c, RefTensor.vector(1, 2, 3), RefTensor.scalar(DType.F32, -1));
        assertArrayEquals(new double[] {1, -1, 3}, r.toArray());
    }

    @Test
    void castToF32RoundsLikeJavaFloat() {
        qt().forAll(integers().all(), integers().between(-60, 60)).checkAssert((bits, e) -> {
            double v = Math.scalb(bits * 1.2345678901234567, e);
            RefTensor r = run(OpKind.CAST, Map.of(), TensorType.scalar(DType.F32), RefTensor.scalar(DType.F32, v));
            assertEquals((double) (float) v, r.item());
        });
    }

    @Test
    void castToF16RoundsLikeFloat16() {
        qt().forAll(floats().between(-70000f, 70000f)).checkAssert(f -> {
            RefTensor r = run(OpKind.CAST, Map.of(), TensorType.scalar(DType.F16), RefTensor.scalar(DType.F32, f));
            assertEquals((double) Float.float16ToFloat(Float.floatToFloat16(f)), r.item());
        });
    }

    @Test
    void castToBf16KeepsEightSignificantBitsRoundingTiesToEven() {
        RefTensor r = run(OpKind.CAST, Map.of(), TensorType.of(DType.BF16, 4), RefTensor.vector(1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-7, 1e39));
        assertArrayEquals(new double[] {1, 1 + 0x1p-6, 1 + 0x1p-7, Double.POSITIVE_INFINITY}, r.toArray());
    }

    @Test
    void castFromFloatToIntTruncatesTowardZero() {
        RefTensor r = run(OpKind.CAST, Map.of(), TensorType.of(DType.I64, 4), RefTensor.vector(2.7, -2.7, 0.5, -0.5));
        assertArrayEquals(new double[] {2, -2, 0, 0}, r.toArray());
        RefTensor b = run(OpKind.CAST, Map.of(), TensorType.of(DType.BOOL, 3), RefTensor.vector(0, -0.1, 3));
        assertArrayEquals(new double[] {0, 1, 1}, b.toArray());
    }

    @Test
    void dropoutIsTheIdentityInEvalModeAndAnInvertedMaskInTraining() {
        GraphBuilder b = new GraphBuilder("dropout");
        Value x = b.input("x", TensorType.of(DType.F32, 10000));
        Value y = b.op(OpKind.DROPOUT, List.of(x), attrs("p", 0.25, "seed", 7), null, List.of());
        var g = b.build(List.of(y));
        RefTensor ones = RefTensor.full(DType.F32, 1.0, 10000);
        assertEquals(ones, new Interpreter().run(g, Map.of("x", ones), Map.of()).getFirst());
        RefTensor t = Interpreter.training(0).run(g, Map.of("x", ones), Map.of()).getFirst();
        int kept = 0;
        for (double v : t.toArray()) {
            assertTrue(v == 0 || v == 1 / 0.75, "kept elements are scaled by 1 / (1 - p)");
            if (v != 0) kept++;
        }
        assertEquals(7500, kept, 150); // binomial(10000, 0.75): sd ~ 43
        assertEquals(t, Interpreter.training(0).run(g, Map.of("x", ones), Map.of()).getFirst(), "the mask is a function of the seeds");
        RefTensor other = Interpreter.training(1).run(g, Map.of("x", ones), Map.of()).getFirst();
        assertTrue(!other.equals(t), "another step seed draws another mask");
    }
}
