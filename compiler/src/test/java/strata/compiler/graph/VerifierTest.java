package strata.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifierTest {
    private static final TensorType F4 = TensorType.of(DType.F32, 4);
    private static final TensorType INDEX = TensorType.scalar(DType.I64);

    private static Op op(int id, TensorType t, OpKind kind, List<Value> operands, Map<String, Attr> attrs, List<Region> regions) {
        return new Op(new Value(id, t), kind, operands, attrs, regions);
    }

    private static Op input(int id, TensorType t) {
        return op(id, t, OpKind.INPUT, List.of(), Map.of("name", new Attr.Str("x" + id)), List.of());
    }

    private static void assertOnlyProblem(String fragment, Graph g) {
        List<String> problems = Verifier.verify(g);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.getFirst().contains(fragment), problems::toString);
    }

    @Test
    void useBeforeDefinitionIsReportedWithTheOp() {
        Value x = new Value(0, F4);
        Graph g = new Graph("g", List.of(), List.of(op(1, F4, OpKind.EXP, List.of(x), Map.of(), List.of()), input(0, F4)),
                List.of(new Value(1, F4)));
        assertOnlyProblem("`%1 = exp %0 : f32[4]`: use of undefined value %0", g);
    }

    @Test
    void idsAreUnique() {
        Graph g = new Graph("g", List.of(), List.of(input(0, F4), input(0, F4)), List.of());
        assertOnlyProblem("value %0 is defined twice", g);
    }

    @Test
    void resultTypeMustBeTheInferredOne() {
        Value x = new Value(0, F4);
        Graph g = new Graph("g", List.of(), List.of(input(0, F4),
                op(1, TensorType.of(DType.F32, 2), OpKind.EXP, List.of(x), Map.of(), List.of())), List.of());
        assertOnlyProblem("result type f32[2] differs from the inferred f32[4]", g);
    }

    @Test
    void outputsMustBeDefined() {
        Graph g = new Graph("g", List.of(), List.of(input(0, F4)), List.of(new Value(7, F4)));
        assertOnlyProblem("output %7 is not defined", g);
    }

    @Test
    void maskRegionHasFourIndexArgumentsAndYieldsBool() {
        TensorType q = TensorType.of(DType.F32, 1, 1, 2, 2);
        Value qv = new Value(0, q);
        List<Value> args = List.of(new Value(1, INDEX), new Value(2, INDEX), new Value(3, INDEX));
        Region mask = new Region("mask", args, List.of(), args.get(0));
        Graph g = new Graph("g", List.of(), List.of(input(0, q),
                op(4, q, OpKind.ATTENTION, List.of(qv, qv, qv), Map.of(), List.of(mask))), List.of());
        List<String> problems = Verifier.verify(g);
        assertTrue(problems.stream().anyMatch(p -> p.contains("mask takes arguments")), problems::toString);
        assertTrue(problems.stream().anyMatch(p -> p.contains("mask must yield bool[]")), problems::toString);
    }

    @Test
    void regionsComputeOnScalarsButMayReadOuterTensors() {
        TensorType q = TensorType.of(DType.F32, 1, 1, 2, 2);
        TensorType lens = TensorType.of(DType.I64, 1);
        Value qv = new Value(0, q), lv = new Value(1, lens);
        List<Value> args = List.of(new Value(2, INDEX), new Value(3, INDEX), new Value(4, INDEX), new Value(5, INDEX));
        Op read = op(6, INDEX, OpKind.GATHER, List.of(lv, args.get(0)), Map.of("axis", new Attr.Int(0)), List.of());
        Op wide = op(7, lens, OpKind.NEG, List.of(lv), Map.of(), List.of());
        Op cmp = op(8, TensorType.scalar(DType.BOOL), OpKind.LT, List.of(args.get(3), read.result()), Map.of(), List.of());
        Region mask = new Region("mask", args, List.of(read, wide, cmp), cmp.result());
        Graph g = new Graph("g", List.of(), List.of(input(0, q), input(1, lens),
                op(9, q, OpKind.ATTENTION, List.of(qv, qv, qv), Map.of(), List.of(mask))), List.of(new Value(9, q)));
        assertOnlyProblem("`%7 = neg %1 : i64[1]`: a region computes on scalars", g);
    }

    @Test
    void dimensionSymbolsMustBeDeclared() {
        TensorType t = new TensorType(DType.F32, List.of(Dim.sym("T")));
        assertOnlyProblem("dimension symbol `T` is not declared", new Graph("g", List.of("B"), List.of(input(0, t)), List.of()));
    }
}
