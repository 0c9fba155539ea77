package strata.tests.backend;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.runtime.KernelPool;

/**
 * The unfused attention path, compiled, equals the interpreter to 1e-4: grouped-query heads, a
 * mask region reading a per-sample length (so some rows see no key and must be zeros) and a score
 * region reading a bias table by a computed index.
 */
class AttentionKernelTest {
    private static final KernelPool POOL = new KernelPool(2);

    @AfterAll
    static void close() { POOL.close(); }

    private static final TensorType I64 = TensorType.scalar(DType.I64), F32 = TensorType.scalar(DType.F32);

    @Test
    void maskedScoredGroupedQueryAttentionEqualsTheInterpreter() {
        qt().withExamples(15).forAll(longs().all(), integers().between(1, 19), integers().between(1, 19), integers().between(1, 37))
                .checkAssert((seed, tq, tk, d) -> {
                    Random r = new Random(seed);
                    int hkv = 1 + r.nextInt(2), heads = hkv * (1 + r.nextInt(3));
                    GraphBuilder b = new GraphBuilder("attention");
                    Value q = b.input("q", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(heads), Dim.of(tq), Dim.of(d))));
                    Value k = b.input("k", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(hkv), Dim.of(tk), Dim.of(d))));
                    Value v = b.input("v", new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(hkv), Dim.of(tk), Dim.of(d + 1))));
                    Value len = b.input("len", new TensorType(DType.I32, List.of(Dim.sym("B"))));
                    Value table = b.param("bias", TensorType.of(DType.F32, 4, heads));
                    // visible: k <= q + (tk - tq) (causal from the end) and k < len[b]; len may be 0
                    Region mask = b.region("mask", List.of(I64, I64, I64, I64), a -> {
                        Value shift = b.op(OpKind.ADD, a.get(2), b.constant(tk - tq, I64));
                        Value causal = b.op(OpKind.LE, a.get(3), shift);
                        Value l = b.op(OpKind.CAST, List.of(b.op(OpKind.GATHER, List.of(len, a.get(0)), Map.of("axis", new Attr.Int(0)))), Map.of(), I64, List.of());
                        return b.op(OpKind.AND, causal, b.op(OpKind.LT, a.get(3), l));
                    });
                    // s + bias[(k - q) mod 4, h]
                    Region score = b.region("score", List.of(I64, I64, I64, I64, F32), a -> {
                        Value bucket = b.op(OpKind.MOD, b.op(OpKind.SUB, a.get(3), a.get(2)), b.constant(4, I64));
                        Value row = b.op(OpKind.GATHER, List.of(table, bucket), Map.of("axis", new Attr.Int(0)));
                        return b.op(OpKind.ADD, a.get(4), b.op(OpKind.GATHER, List.of(row, a.get(1)), Map.of("axis", new Attr.Int(0))));
                    });
                    Value o = b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(0.3)), null, List.of(mask, score));
                    Graph g = b.build(List.of(o));
                    long bs = 1 + r.nextInt(3);
                    Map<String, RefTensor> in = Map.of("q", Compiled.normal(r, 1, bs, heads, tq, d), "k", Compiled.normal(r, 1, bs, hkv, tk, d),
                            "v", Compiled.normal(r, 1, bs, hkv, tk, d + 1), "len", Compiled.ints(r, DType.I32, 0, tk + 1, bs));
                    Compiled.assertMatches(g, in, Map.of("bias", Compiled.normal(r, 1, 4, heads)), 1e-4, 1e-4, POOL);
                });
    }

    @Test
    void unmaskedAttentionWithTheDefaultScaleEqualsTheInterpreter() {
        GraphBuilder b = new GraphBuilder("plain");
        TensorType t = new TensorType(DType.F32, List.of(Dim.sym("B"), Dim.of(2), Dim.sym("T"), Dim.of(17)));
        Value q = b.input("q", t), k = b.input("k", t), v = b.input("v", t);
        Graph g = b.build(List.of(b.op(OpKind.ATTENTION, q, k, v)));
        Random r = new Random(5);
        Compiled.assertMatches(g, Map.of("q", Compiled.normal(r, 1, 3, 2, 21, 17), "k", Compiled.normal(r, 1, 3, 2, 21, 17),
                "v", Compiled.normal(r, 1, 3, 2, 21, 17)), Map.of(), 1e-4, 1e-4, POOL);
    }
}
