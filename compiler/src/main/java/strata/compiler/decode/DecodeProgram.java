package strata.compiler.decode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import strata.compiler.graph.Attr;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.GraphBuilder;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;
import strata.compiler.masks.Causality;
import strata.compiler.masks.DataSearch;

/**
 * The decode program of a decoder-only model: from its forward {@code tokens i32[B, T] -> logits
 * f32[B, T, V]}, a graph that takes the N new tokens {@code i32[B, N]} and, per attention op i,
 * the cache {@code k_cache_i, v_cache_i : f32[B, Hkv, P, hd]} of the P tokens before them, and
 * gives the new tokens' logits {@code f32[B, N, V]} followed by the caches grown to P + N (keys
 * and values of layer 0, then layer 1, ...). The state of decoding is these tensors, so
 * incremental decoding, beam search and batching are runtime choices (DESIGN, "Decoding state is
 * explicit").
 *
 * <p>The rewrite: T becomes N in every type; an iota along T counts from P (the new tokens sit at
 * positions P .. P + N - 1); a slice {@code [0, T)} of a table along a non-token axis (learned
 * positions) becomes {@code [P, P + N)}; each attention concatenates the cache before its keys
 * and values, and its mask and score regions see the query index {@code q + P}, so a region reads
 * absolute positions as in the forward. P enters the graph as a scalar computed from the cache's
 * own shape ({@code sum} of ones over P), so it can never disagree with the cache it describes,
 * and the attention lowerings need no offset of their own.
 *
 * <p>Refused, with a {@link NotDecodable}: a mask that is not proved causal (a cached key's value
 * would change with later tokens), named with its counterexample; an attention without a mask
 * (bidirectional); an op that mixes tokens other than attention (a reduction, softmax, norm,
 * concat, slice, contraction along T); inputs besides the tokens.
 */
public final class DecodeProgram {
    /** The symbols of the decode program: the cached length and the number of new tokens. */
    public static final String PAST = "P", NEW = "N";

    /** One attention op's cache: the input names, and the output positions of the grown caches. */
    public record Layer(String keyInput, String valueInput, int keyOutput, int valueOutput, TensorType cacheType) {}

    /** The decode graph and its caches, in the order of the attention ops of the forward. */
    public record Result(Graph graph, String tokensInput, List<Layer> layers) {}

    private final Graph forward;
    private final String t;
    private final Dim tDim;
    private final GraphBuilder b;
    private final Map<Value, Value> map = new HashMap<>();
    private final Map<String, Dim> subst;
    private final List<Layer> layers = new ArrayList<>();
    private final List<Value> cacheOutputs = new ArrayList<>();
    private Value past;

    private DecodeProgram(Graph forward, String t) {
        this.forward = forward;
        this.t = t;
        this.tDim = Dim.sym(t);
        this.b = new GraphBuilder(forward.name() + "-decode");
        this.subst = Map.of(t, Dim.sym(NEW));
    }

    /** The decode program of {@code forward}, or a {@link NotDecodable} saying why there is none. */
    public static Result build(Graph forward) {
        requireCausal(forward);
        Op tokens = tokensInput(forward);
        String t = tokens.type().dim(1).symbols().getFirst();
        for (String s : List.of(PAST, NEW))
            if (forward.symbols().contains(s) && !s.equals(t))
                throw new NotDecodable("cannot decode @" + forward.name() + " with a KV cache: it already uses the dimension symbol " + s);
        Result r = new DecodeProgram(forward, t).rewrite();
        // checked last, so that an op that mixes tokens is named first
        if (forward.opsOf(OpKind.ATTENTION).isEmpty())
            throw new NotDecodable("@" + forward.name() + " has no attention, so there are no keys and values to cache");
        return r;
    }

    /** Whether {@code forward} decodes with a KV cache; empty when it does, else the reason it does not. */
    public static Optional<String> refusal(Graph forward) {
        try {
            build(forward);
            return Optional.empty();
        } catch (NotDecodable e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Op tokensInput(Graph g) {
        List<Op> ins = g.inputs();
        boolean ok = ins.size() == 1 && ins.getFirst().type().dtype() == DType.I32 && ins.getFirst().type().rank() == 2
                && ins.getFirst().type().dim(1).symbols().size() == 1
                && ins.getFirst().type().dim(1).equals(Dim.sym(ins.getFirst().type().dim(1).symbols().getFirst()))
                && g.outputs().size() == 1 && g.outputs().getFirst().type().rank() == 3
                && g.outputs().getFirst().type().dim(1).equals(ins.getFirst().type().dim(1));
        if (!ok)
            throw new NotDecodable("cannot decode @" + g.name() + " with a KV cache: a decode program needs a forward from tokens i32[B, T] alone to logits f32[B, T, V]; it takes "
                    + ins.stream().map(o -> o.strAttr("name", "") + ": " + o.type()).toList() + " and gives "
                    + g.outputs().stream().map(v -> v.type().toString()).toList());
        return ins.getFirst();
    }

    /** Every attention's mask must imply k <= q (Causality); the first one that does not is named with its counterexample. */
    private static void requireCausal(Graph g) {
        Map<Value, String> names = new HashMap<>();
        for (Op in : g.inputs()) names.put(in.result(), in.strAttr("name", "%" + in.result().id()));
        int layer = 0;
        for (Op op : g.ops()) {
            if (op.kind() != OpKind.ATTENTION) continue;
            String which = "attention " + layer++ + " (%" + op.result().id() + ")";
            Optional<Region> mask = op.region("mask");
            if (mask.isEmpty())
                throw new NotDecodable("cannot decode @" + g.name() + " with a KV cache: " + which
                        + " has no mask, so query 0 sees key 1 (k > q), and a cached key would change with later tokens");
            long heads = op.operands().getFirst().type().dim(1).constant().orElse(1L);
            Causality.Verdict v = Causality.check(mask.get(), heads);
            if (v.causal()) continue;
            String src = "`" + op.strAttr("mask_name", "mask") + "` (" + MaskText.render(mask.get(), names) + ")";
            if (v.counterexample() == null)
                throw new NotDecodable("cannot decode @" + g.name() + " with a KV cache: the mask " + src + " of " + which
                        + " is not proved causal (" + v.reason() + "), and a cached key would change with later tokens if it is not");
            var c = v.counterexample();
            String data = c.data().tensors().isEmpty() ? "" : " when " + DataSearch.describe(c.data(), names);
            throw new NotDecodable("cannot decode @" + g.name() + " with a KV cache: its mask " + src + " in " + which
                    + " lets query " + c.q() + " see key " + c.k() + " (k > q) at T = " + c.t() + data
                    + ", so a cached key would change with later tokens");
        }
    }

    private Result rewrite() {
        for (String s : forward.symbols()) {
            if (s.equals(t)) {
                b.declareSymbol(PAST);
                b.declareSymbol(NEW);
            } else b.declareSymbol(s);
        }
        String tokens = null;
        for (Op op : forward.ops()) {
            Value nv = switch (op.kind()) {
                case INPUT -> {
                    tokens = op.strAttr("name", "tokens");
                    yield b.input(tokens, type(op.type()));
                }
                case IOTA -> iota(op);
                case SLICE -> slice(op);
                case ATTENTION -> attention(op);
                default -> copy(op);
            };
            map.put(op.result(), nv);
        }
        List<Value> outs = new ArrayList<>();
        outs.add(map.get(forward.outputs().getFirst()));
        outs.addAll(cacheOutputs);
        return new Result(b.build(outs), tokens, List.copyOf(layers));
    }

    // an iota along T counts positions: the new tokens are at P .. P + N - 1
    private Value iota(Op op) {
        int axis = axis(op.intAttr("axis", 0), op.type().rank());
        Dim along = op.type().dim(axis);
        if (!mentionsT(along)) return copy(op);
        if (!along.equals(tDim)) throw mixes(op, "counts along " + along + ", not along the tokens");
        Value i = b.op(OpKind.IOTA, List.of(), op.attrs(), type(op.type()), List.of());
        Value p = op.type().dtype() == DType.I64 ? past() : b.op(OpKind.CAST, List.of(past()), Map.of(), TensorType.scalar(op.type().dtype()), List.of());
        return b.op(OpKind.ADD, i, p);
    }

    // [0, T) of a table along an axis that is not the tokens' (learned positions) becomes [P, P + N)
    private Value slice(Op op) {
        Value x = op.operands().getFirst();
        int axis = axis(op.intAttr("axis"), x.type().rank());
        if (mentionsT(x.type().dim(axis))) throw mixes(op, "slices along the tokens");
        Dim start = op.dimAttr("start"), end = op.dimAttr("end");
        if (!mentionsT(start) && !mentionsT(end)) return copy(op);
        if (!start.equals(Dim.of(0)) || !end.equals(tDim) || op.intAttr("step", 1) != 1)
            throw mixes(op, "takes [" + start + ", " + end + ") along a table, not the rows [0, " + t + ") of the positions");
        Map<String, Attr> attrs = new LinkedHashMap<>(op.attrs());
        attrs.put("start", new Attr.DimAttr(Dim.sym(PAST)));
        attrs.put("end", new Attr.DimAttr(Dim.sym(PAST).plus(Dim.sym(NEW))));
        return b.op(OpKind.SLICE, List.of(map.get(x)), attrs, null, List.of());
    }

    // keys and values grow by the cache before them; the regions see the absolute query q + P
    private Value attention(Op op) {
        Value q = op.operands().get(0), k = op.operands().get(1), v = op.operands().get(2);
        if (!q.type().dim(2).equals(tDim) || !k.type().dim(2).equals(tDim) || !v.type().dim(2).equals(tDim))
            throw mixes(op, "is not self-attention over the tokens (q " + q.type() + ", k " + k.type() + ")");
        int i = layers.size();
        TensorType kt = type(k.type()), vt = type(v.type());
        TensorType kc = kt.withShape(withAxis(kt.shape(), 2, Dim.sym(PAST))), vc = vt.withShape(withAxis(vt.shape(), 2, Dim.sym(PAST)));
        Value kIn = b.input("k_cache_" + i, kc), vIn = b.input("v_cache_" + i, vc);
        Value k2 = b.op(OpKind.CONCAT, List.of(kIn, map.get(k)), Map.of("axis", new Attr.Int(2)));
        Value v2 = b.op(OpKind.CONCAT, List.of(vIn, map.get(v)), Map.of("axis", new Attr.Int(2)));
        layers.add(new Layer("k_cache_" + i, "v_cache_" + i, 1 + cacheOutputs.size(), 2 + cacheOutputs.size(), kc));
        cacheOutputs.add(k2);
        cacheOutputs.add(v2);
        Value p = past();
        List<Region> regions = new ArrayList<>();
        for (Region r : op.regions()) regions.add(offsetQuery(r, p));
        return b.op(OpKind.ATTENTION, List.of(map.get(q), k2, v2), op.attrs(), null, regions);
    }

    /** The region with its query argument (the third) read as q + P everywhere. */
    private Region offsetQuery(Region r, Value p) {
        List<TensorType> argTypes = r.args().stream().map(Value::type).toList();
        return b.region(r.role(), argTypes, args -> {
            Map<Value, Value> local = new HashMap<>();
            for (int a = 0; a < args.size(); a++) local.put(r.args().get(a), args.get(a));
            local.put(r.args().get(2), b.op(OpKind.ADD, args.get(2), p));
            for (Op o : r.ops()) local.put(o.result(), rebuild(o, local));
            return local.getOrDefault(r.yield(), map.get(r.yield()));
        });
    }

    private Value copy(Op op) {
        if (!op.regions().isEmpty()) throw mixes(op, "has regions the decode rewrite does not know");
        tokenMixing(op).ifPresent(why -> { throw mixes(op, why); });
        return rebuild(op, map);
    }

    private Value rebuild(Op op, Map<Value, Value> local) {
        List<Value> operands = new ArrayList<>();
        for (Value x : op.operands()) operands.add(local.containsKey(x) ? local.get(x) : map.get(x));
        Map<String, Attr> attrs = new LinkedHashMap<>();
        op.attrs().forEach((key, a) -> attrs.put(key, a instanceof Attr.DimAttr d ? new Attr.DimAttr(d.value().subst(subst)) : a));
        TensorType declared = op.kind().declaresType() ? type(op.type()) : null;
        return b.op(op.kind(), operands, attrs, declared, List.of());
    }

    /** Why the op mixes the values of different tokens, if it does: an op along T other than attention. */
    private Optional<String> tokenMixing(Op op) {
        List<Value> in = op.operands();
        TensorType x = in.isEmpty() ? null : in.getFirst().type();
        long t2 = op.type().shape().stream().filter(this::mentionsT).count();
        if (t2 > 1) return Optional.of("gives " + op.type() + ", a value per pair of tokens");
        return switch (op.kind()) {
            case SUM, REDUCE_MAX, ARGMAX -> op.intsAttr("axes").stream().anyMatch(a -> mentionsT(x.dim(axis(a, x.rank()))))
                    ? Optional.of("reduces along the tokens") : Optional.empty();
            case SOFTMAX, CONCAT, PAD, GATHER, SCATTER_ADD -> mentionsT(x.dim(axis(op.intAttr("axis", -1), x.rank())))
                    ? Optional.of("works along the tokens") : Optional.empty();
            case LAYER_NORM, RMS_NORM -> mentionsT(x.dim(-1)) ? Optional.of("normalises along the tokens") : Optional.empty();
            case MATMUL -> mentionsT(op.boolAttr("transpose_a", false) ? x.dim(-2) : x.dim(-1))
                    ? Optional.of("contracts along the tokens") : Optional.empty();
            case RESHAPE -> x.shape().stream().anyMatch(this::mentionsT) && !(x.shape().contains(tDim) && op.type().shape().contains(tDim))
                    ? Optional.of("folds the token axis of " + x + " into " + op.type()) : Optional.empty();
            case ATTENTION_GRAD, RANDOM -> Optional.of("has no decode form");
            default -> Optional.empty();
        };
    }

    private NotDecodable mixes(Op op, String why) {
        return new NotDecodable("cannot decode @" + forward.name() + " with a KV cache: `" + op.kind().mnemonic() + "` (%" + op.result().id()
                + " : " + op.type() + ") " + why + ", so the new tokens' values would depend on tokens that are not recomputed");
    }

    /** The cached length P as an i64 scalar, from the shape of a vector of P ones (so that it always agrees with the cache). */
    private Value past() {
        if (past == null) {
            Value ones = b.constant(1.0, new TensorType(DType.F32, List.of(Dim.sym(PAST))));
            Value n = b.op(OpKind.SUM, List.of(ones), Map.of("axes", new Attr.Ints(List.of(0L))));
            past = b.op(OpKind.CAST, List.of(n), Map.of(), TensorType.scalar(DType.I64), List.of());
        }
        return past;
    }

    private boolean mentionsT(Dim d) { return d.symbols().contains(t); }

    private TensorType type(TensorType x) {
        List<Dim> s = new ArrayList<>();
        for (Dim d : x.shape()) s.add(d.subst(subst));
        return x.withShape(s);
    }

    private static List<Dim> withAxis(List<Dim> shape, int axis, Dim d) {
        List<Dim> s = new ArrayList<>(shape);
        s.set(axis, d);
        return s;
    }

    private static int axis(long a, int rank) { return (int) (a < 0 ? a + rank : a); }
}
