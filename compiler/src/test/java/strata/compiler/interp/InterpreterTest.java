package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

class InterpreterTest {
    private static final Dim B = Dim.sym("B"), T = Dim.sym("T");

    /** y = x @ w + bias, with x : f32[B, T, 2] and the sequence mask m : bool[B, T + 1]. */
    private static Graph linear() {
        GraphBuilder b = new GraphBuilder("linear");
        Value x = b.input("x", new TensorType(DType.F32, List.of(B, T, Dim.of(2))));
        b.input("m", new TensorType(DType.BOOL, List.of(B, T.plus(Dim.of(1)))));
        Value w = b.param("w", TensorType.of(DType.F32, 2, 3));
        Value bias = b.param("bias", TensorType.of(DType.F32, 3));
        Value y = b.op(OpKind.ADD, b.op(OpKind.MATMUL, x, w), bias);
        return b.build(List.of(y));
    }

    private static final Map<String, RefTensor> PARAMS = Map.of(
            "w", RefTensor.of(new long[] {2, 3}, 1, 0, 1, 0, 1, 1), "bias", RefTensor.vector(0.5, 0.5, 0.5));

    @Test
    void aGraphRunsOnInputsThatBindItsSymbols() {
        RefTensor x = RefTensor.of(new long[] {1, 2, 2}, 1, 2, 3, 4);
        RefTensor m = RefTensor.zeros(DType.BOOL, 1, 3);
        RefTensor y = new Interpreter().run(linear(), Map.of("x", x, "m", m), PARAMS).getFirst();
        assertArrayEquals(new long[] {1, 2, 3}, y.shape());
        assertArrayEquals(new double[] {1.5, 2.5, 3.5, 3.5, 4.5, 7.5}, y.toArray());
        assertEquals(Map.of("B", 1L, "T", 2L), SymbolBinder.bind(linear(), Map.of("x", x, "m", m)));
    }

    @Test
    void aSymbolMayBeSolvedFromALinearDimension() {
        GraphBuilder b = new GraphBuilder("shifted");
        Value m = b.input("m", new TensorType(DType.F32, List.of(T.plus(Dim.of(1)))));
        Graph g = b.build(List.of(m));
        assertEquals(Map.of("T", 4L), SymbolBinder.bind(g, Map.of("m", RefTensor.zeros(DType.F32, 5))));
    }

    @Test
    void anInputWhoseShapeContradictsItsTypeIsRejectedByName() {
        RefTensor x = RefTensor.zeros(DType.F32, 1, 2, 5);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 1, 3)), PARAMS));
        assertTrue(e.getMessage().contains("input `x`") && e.getMessage().contains("axis 2"), e.getMessage());
    }

    @Test
    void aSymbolBoundTwiceMustAgree() {
        RefTensor x = RefTensor.zeros(DType.F32, 1, 2, 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 2, 3)), PARAMS));
        assertTrue(e.getMessage().contains("input `m`") && e.getMessage().contains("B = 1 from input `x`"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 1, 4)), PARAMS));
        assertTrue(f.getMessage().contains("input `m`") && f.getMessage().contains("T = 2 from input `x`"), f.getMessage());
    }

    @Test
    void missingInputsWrongRanksAndWrongElementTypesAreNamed() {
        RefTensor x = RefTensor.zeros(DType.F32, 1, 2, 2);
        var missing = assertThrows(IllegalArgumentException.class, () -> new Interpreter().run(linear(), Map.of("x", x), PARAMS));
        assertTrue(missing.getMessage().contains("missing input `m`"), missing.getMessage());
        var rank = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", RefTensor.zeros(DType.F32, 2, 2), "m", RefTensor.zeros(DType.BOOL, 1, 3)), PARAMS));
        assertTrue(rank.getMessage().contains("input `x`") && rank.getMessage().contains("rank 3"), rank.getMessage());
        var dtype = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.F32, 1, 3)), PARAMS));
        assertTrue(dtype.getMessage().contains("input `m`") && dtype.getMessage().contains("bool"), dtype.getMessage());
        var param = assertThrows(IllegalArgumentException.class,
                () -> new Interpreter().run(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 1, 3)), Map.of("w", PARAMS.get("w"))));
        assertTrue(param.getMessage().contains("missing parameter `bias`"), param.getMessage());
        var paramShape = assertThrows(IllegalArgumentException.class, () -> new Interpreter().run(linear(),
                Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 1, 3)), Map.of("w", PARAMS.get("w"), "bias", RefTensor.vector(1, 2))));
        assertTrue(paramShape.getMessage().contains("parameter `bias`") && paramShape.getMessage().contains("f32[3]"), paramShape.getMessage());
    }

    @Test
    void evaluateExposesEveryIntermediateValue() {
        RefTensor x = RefTensor.of(new long[] {1, 1, 2}, 1, 2);
        Map<Value, RefTensor> all = new Interpreter().evaluate(linear(), Map.of("x", x, "m", RefTensor.zeros(DType.BOOL, 1, 2)), PARAMS);
        assertEquals(6, all.size());
        Value matmul = linear().opsOf(OpKind.MATMUL).getFirst().result();
        assertArrayEquals(new double[] {1, 2, 3}, all.get(matmul).toArray());
    }
}
