package strata.compiler.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random well-typed graphs for property tests: sources with symbolic (B, T) and concrete dims,
 * then random chains of elementwise ops, reductions, movement, matmul, composites and attention
 * with mask and score regions that capture an outer {@code i32[B]} tensor. Ops are proposed at
 * random and kept when {@link ShapeRules} accepts them, so every kind of operand mix is tried.
 */
public final class RandomGraphs {
    private static final Dim B = Dim.sym("B"), T = Dim.sym("T");
    private static final List<Dim> DIMS = List.of(B, T, Dim.of(1), Dim.of(2), Dim.of(3), Dim.of(4), T.plus(Dim.of(1)));
    private static final OpKind[] UNARY = {OpKind.NEG, OpKind.EXP, OpKind.LOG, OpKind.SQRT, OpKind.RSQRT, OpKind.TANH, OpKind.SIN, OpKind.COS,
        OpKind.ERF, OpKind.SIGMOID, OpKind.ABS, OpKind.RECIP, OpKind.NOT};
    private static final OpKind[] BINARY = {OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.DIV, OpKind.MAX, OpKind.MIN,
        OpKind.POW, OpKind.EQ, OpKind.LT, OpKind.GE, OpKind.AND, OpKind.OR};
    private static final TensorType INDEX = TensorType.scalar(DType.I64);

    private final Random r;
    private final GraphBuilder b;
    private final List<Value> pool = new ArrayList<>();
    private final Value lens;
    private int names;

    private RandomGraphs(long seed) {
        r = new Random(seed);
        b = new GraphBuilder("g" + Math.floorMod(seed, 100));
        b.declareSymbol("B");
        b.declareSymbol("T");
        lens = b.input("lens", new TensorType(DType.I32, List.of(B)));
    }

    public static Graph generate(long seed) {
        RandomGraphs g = new RandomGraphs(seed);
        int sources = 2 + g.r.nextInt(3), steps = 2 + g.r.nextInt(12);
        for (int i = 0; i < sources; i++) g.pool.add(g.source());
        for (int i = 0; i < steps; i++) g.step();
        List<Value> outs = new ArrayList<>();
        for (int i = 0, n = 1 + g.r.nextInt(3); i < n; i++) outs.add(g.pick());
        return g.b.build(outs);
    }

    private Value pick() { return pool.get(r.nextInt(pool.size())); }

    private Value pick(DType dt, int minRank) {
        List<Value> fit = pool.stream().filter(v -> v.type().dtype() == dt && v.type().rank() >= minRank).toList();
        return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
    }

    private TensorType randomType(DType dt, boolean concrete) {
        List<Dim> s = new ArrayList<>();
        for (int i = 0, n = r.nextInt(4); i < n; i++) s.add(concrete ? Dim.of(1 + r.nextInt(4)) : DIMS.get(r.nextInt(DIMS.size())));
        return new TensorType(dt, s);
    }

    private DType dtype() {
        int k = r.nextInt(10);
        return k < 6 ? DType.F32 : k < 8 ? DType.I32 : k < 9 ? DType.I64 : DType.BOOL;
    }

    private Value source() {
        DType dt = dtype();
        return switch (r.nextInt(5)) {
            case 0 -> b.input("x" + names++, randomType(dt, false));
            case 1 -> b.param("w" + names++, randomType(DType.F32, true));
            case 2 -> b.op(OpKind.CONST, List.of(), Map.of("value", new Attr.Float(r.nextInt(7) - 3 + r.nextDouble())),
                    randomType(DType.F32, false), List.of());
            case 3 -> b.op(OpKind.IOTA, List.of(), Map.of("axis", new Attr.Int(0)), new TensorType(DType.I64, List.of(T)), List.of());
            default -> b.op(OpKind.RANDOM, List.of(), Map.of("seed", new Attr.Int(r.nextInt(100)), "dist", new Attr.Str("normal")),
                    randomType(DType.F32, false), List.of());
        };
    }

    /** Proposes ops until one type-checks (or gives up quietly after a few tries). */
    private void step() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                pool.add(propose());
                return;
            } catch (RuntimeException e) {
                // rejected (a ShapeError, or no operand of the wanted kind in the pool): try another op
            }
        }
    }

    private Value propose() {
        Value x = pick();
        int rank = x.type().rank();
        return switch (r.nextInt(16)) {
            case 0 -> source();
            case 1 -> b.op(UNARY[r.nextInt(UNARY.length)], x);
            case 2, 3 -> b.op(BINARY[r.nextInt(BINARY.length)], x, r.nextBoolean() ? x : pick());
            case 4 -> b.op(OpKind.SELECT, pick(DType.BOOL, 0), x, pick());
            case 5 -> b.op(OpKind.CAST, List.of(x), Map.of(), x.type().withDtype(dtype()), List.of());
            case 6 -> {
                OpKind k = new OpKind[] {OpKind.SUM, OpKind.REDUCE_MAX, OpKind.ARGMAX}[r.nextInt(3)];
                yield b.op(k, List.of(x), Map.of("axes", new Attr.Ints(List.of((long) r.nextInt(Math.max(rank, 1)))),
                        "keepdims", new Attr.Bool(r.nextBoolean())));
            }
            case 7 -> movement(x);
            case 8 -> {
                Value w = b.param("w" + names++, TensorType.of(x.type().dtype(), 3, 2));
                yield b.op(OpKind.MATMUL, List.of(x, w), Map.of("transpose_b", new Attr.Bool(true)));
            }
            case 9 -> b.op(OpKind.MATMUL, List.of(x, pick()), r.nextBoolean() ? Map.of() : Map.of("transpose_a", new Attr.Bool(true)));
            case 10 -> b.op(OpKind.SOFTMAX, List.of(x), Map.of("axis", new Attr.Int(-1)));
            case 11 -> norm(x);
            case 12 -> b.op(OpKind.GELU, List.of(x), Map.of("approximate", new Attr.Str(r.nextBoolean() ? "tanh" : "erf")));
            case 13 -> b.op(OpKind.DROPOUT, List.of(x), Map.of("p", new Attr.Float(0.1), "seed", new Attr.Int(r.nextInt(9))));
            case 14 -> {
                Value targets = b.input("t" + names++, new TensorType(DType.I32, x.type().shape().subList(0, rank - 1)));
                yield b.op(OpKind.CROSS_ENTROPY, List.of(x, targets), Map.of("ignore_index", new Attr.Int(-100)));
            }
            default -> attention();
        };
    }

    private Value movement(Value x) {
        TensorType t = x.type();
        int rank = t.rank();
        return switch (r.nextInt(7)) {
            case 0 -> b.op(OpKind.RESHAPE, List.of(x), Map.of(), t.withShape(List.of(t.numel())), List.of());
            case 1 -> {
                List<Long> perm = new ArrayList<>();
                for (long i = rank - 1; i >= 0; i--) perm.add(i);
                yield b.op(OpKind.PERMUTE, List.of(x), Map.of("perm", new Attr.Ints(perm)));
            }
            case 2 -> {
                List<Dim> s = new ArrayList<>(t.shape());
                s.addFirst(B);
                yield b.op(OpKind.BROADCAST, List.of(x), Map.of(), t.withShape(s), List.of());
            }
            case 3 -> b.op(OpKind.SLICE, List.of(x), Map.of("axis", new Attr.Int(0), "start", new Attr.Int(0),
                    "end", new Attr.DimAttr(t.dim(0).minus(Dim.of(1)))));
            case 4 -> b.op(OpKind.CONCAT, List.of(x, x), Map.of("axis", new Attr.Int(r.nextInt(rank))));
            case 5 -> b.op(OpKind.PAD, List.of(x), Map.of("axis", new Attr.Int(rank - 1), "before", new Attr.Int(1),
                    "after", new Attr.Int(0), "value", new Attr.Float(0.0)));
            default -> {
                Value idx = pick(r.nextBoolean() ? DType.I32 : DType.I64, 0);
                yield b.op(OpKind.GATHER, List.of(x, idx), Map.of("axis", new Attr.Int(0)));
            }
        };
    }

    private Value norm(Value x) {
        TensorType t = x.type();
        OpKind k = r.nextBoolean() ? OpKind.LAYER_NORM : OpKind.RMS_NORM;
        if (t.rank() == 0 || !t.dim(-1).isConstant()) return b.op(k, List.of(x), Map.of("eps", new Attr.Float(1e-5)));
        Value gain = b.param("g" + names++, new TensorType(t.dtype(), List.of(t.dim(-1))));
        return b.op(k, List.of(x, gain), Map.of("eps", new Attr.Float(1e-5)));
    }

    private Value attention() {
        Dim heads = Dim.of(2 * (1 + r.nextInt(2))), kvHeads = Dim.of(2), d = Dim.of(4);
        Value q = b.input("q" + names++, new TensorType(DType.F32, List.of(B, heads, T, d)));
        Value k = b.input("k" + names++, new TensorType(DType.F32, List.of(B, kvHeads, T, d)));
        Value v = b.input("v" + names++, new TensorType(DType.F32, List.of(B, kvHeads, T, d)));
        List<Region> regions = new ArrayList<>();
        if (r.nextInt(4) > 0) regions.add(b.region("mask", List.of(INDEX, INDEX, INDEX, INDEX), a -> mask(a)));
        if (r.nextBoolean())
            regions.add(b.region("score", List.of(INDEX, INDEX, INDEX, INDEX, TensorType.scalar(DType.F32)), a -> score(a)));
        return b.op(OpKind.ATTENTION, List.of(q, k, v), Map.of("scale", new Attr.Float(0.5)), null, regions);
    }

    /** Causal, optionally widened to a bidirectional prefix of length lens[b]. */
    private Value mask(List<Value> a) {
        Value causal = b.op(OpKind.LE, a.get(3), a.get(2));
        if (r.nextBoolean()) return causal;
        Value len = b.op(OpKind.GATHER, List.of(lens, a.get(0)), Map.of("axis", new Attr.Int(0)));
        Value len64 = b.op(OpKind.CAST, List.of(len), Map.of(), INDEX, List.of());
        Value inPrefix = b.op(OpKind.LT, a.get(3), len64);
        return b.op(r.nextBoolean() ? OpKind.OR : OpKind.AND, causal, inPrefix);
    }

    /** ALiBi-style: s + slope * (k - q). */
    private Value score(List<Value> a) {
        if (r.nextInt(3) == 0) return b.op(OpKind.TANH, a.get(4));
        Value dist = b.op(OpKind.SUB, a.get(3), a.get(2));
        Value f = b.op(OpKind.CAST, List.of(dist), Map.of(), TensorType.scalar(DType.F32), List.of());
        Value slope = b.op(OpKind.CONST, List.of(), Map.of("value", new Attr.Float(-0.25)), TensorType.scalar(DType.F32), List.of());
        return b.op(OpKind.ADD, a.get(4), b.op(OpKind.MUL, slope, f));
    }
}
