package strata.compiler.interp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.TensorType;
import strata.compiler.graph.Value;

/**
 * The reference interpreter of the graph dialect: evaluates a graph op by op in plain Java, in
 * double precision, exactly as {@link strata.compiler.graph.OpKind} specifies. It is slow on
 * purpose and is the numerical oracle that compiled kernels, fusions and passes are tested against.
 *
 * <p>Dimension symbols are bound from the input shapes ({@link SymbolBinder}). Regions (attention
 * masks and score modifiers) are interpreted per element, with their arguments bound to rank-0
 * tensors and the enclosing graph's values visible to their ops. In training mode dropout is
 * active, and its masks are drawn from a stream chosen by the op's seed and this interpreter's
 * step seed ({@link CounterRandom#streamSeed}); {@code random} depends on its own seed alone.
 */
public final class Interpreter {
    private final boolean training;
    private final long stepSeed;

    /** An interpreter in inference mode (dropout is the identity). */
    public Interpreter() { this(false, 0); }

    /**
     * @param training whether dropout is active
     * @param stepSeed mixed into every dropout op's seed; 0 leaves the op's seed unchanged
     */
    public Interpreter(boolean training, long stepSeed) {
        this.training = training;
        this.stepSeed = stepSeed;
    }

    public static Interpreter inference() { return new Interpreter(); }

    public static Interpreter training(long stepSeed) { return new Interpreter(true, stepSeed); }

    public boolean isTraining() { return training; }

    public long stepSeed() { return stepSeed; }

    /** The graph's outputs, in order, for the given inputs and parameters (both keyed by name). */
    public List<RefTensor> run(Graph g, Map<String, RefTensor> inputs, Map<String, RefTensor> params) {
        Map<Value, RefTensor> values = evaluate(g, inputs, params);
        List<RefTensor> out = new ArrayList<>();
        for (Value v : g.outputs()) out.add(values.get(v));
        return out;
    }

    /** Every top-level value of the graph, in definition order: for comparing intermediate results. */
    public Map<Value, RefTensor> evaluate(Graph g, Map<String, RefTensor> inputs, Map<String, RefTensor> params) {
        Evaluation e = new Evaluation(SymbolBinder.bind(g, inputs), inputs, params);
        Frame top = new Frame(null, new LinkedHashMap<>());
        for (Op op : g.ops()) top.values.put(op.result(), e.eval(op, top));
        return top.values;
    }

    /** Values defined in one scope: the graph, or one evaluation of a region, which sees its parent's. */
    private record Frame(Frame parent, Map<Value, RefTensor> values) {
        RefTensor get(Value v) {
            for (Frame f = this; f != null; f = f.parent) {
                RefTensor t = f.values.get(v);
                if (t != null) return t;
            }
            throw new IllegalStateException("value %" + v.id() + " is used before it is defined");
        }
    }

    private final class Evaluation {
        private final Map<String, Long> symbols;
        private final Map<String, RefTensor> inputs, params;

        Evaluation(Map<String, Long> symbols, Map<String, RefTensor> inputs, Map<String, RefTensor> params) {
            this.symbols = symbols;
            this.inputs = inputs;
            this.params = params;
        }

        RefTensor eval(Op op, Frame frame) {
            List<RefTensor> a = new ArrayList<>(op.operands().size());
            for (Value v : op.operands()) a.add(frame.get(v));
            RefTensor r = compute(op, a, frame);
            check(op, r);
            return r;
        }

        private RefTensor compute(Op op, List<RefTensor> a, Frame frame) {
            return switch (op.kind()) {
                case PARAM -> named(op, params, "parameter");
                case INPUT -> named(op, inputs, "input");
                case CONST -> Sources.constant(op, shapeOf(op.type()));
                case IOTA -> Sources.iota(op, shapeOf(op.type()));
                case RANDOM -> Sources.random(op, shapeOf(op.type()));
                case NEG, EXP, LOG, SQRT, RSQRT, TANH, SIN, COS, ERF, SIGMOID, ABS, RECIP, NOT, CAST, GELU -> Elementwise.unary(op, a.get(0));
                case ADD, SUB, MUL, DIV, MAX, MIN, POW, MOD, EQ, NE, LT, LE, GT, GE, AND, OR -> Elementwise.binary(op, a.get(0), a.get(1));
                case SELECT -> Elementwise.select(op, a.get(0), a.get(1), a.get(2));
                case DROPOUT -> Elementwise.dropout(op, a.get(0), training, stepSeed);
                case SUM, REDUCE_MAX, ARGMAX -> Reductions.reduce(op, a.get(0));
                case SOFTMAX -> Reductions.softmax(op, a.get(0));
                case LAYER_NORM, RMS_NORM -> Reductions.norm(op, a);
                case CROSS_ENTROPY -> Reductions.crossEntropy(op, a.get(0), a.get(1));
                case RESHAPE -> Movement.reshape(a.get(0), shapeOf(op.type()));
                case PERMUTE -> Movement.permute(op, a.get(0));
                case BROADCAST -> Movement.broadcast(a.get(0), shapeOf(op.type()));
                case SLICE -> Movement.slice(op, a.get(0), symbols);
                case CONCAT -> Movement.concat(op, a);
                case PAD -> Movement.pad(op, a.get(0));
                case GATHER -> Movement.gather(op, a.get(0), a.get(1));
                case SCATTER_ADD -> Movement.scatterAdd(op, a.get(0), a.get(1), a.get(2));
                case MATMUL -> Contractions.matmul(op, a.get(0), a.get(1));
                case ATTENTION -> Attention.attention(op, a.get(0), a.get(1), a.get(2), (region, args) -> runRegion(region, args, frame));
                case ATTENTION_GRAD -> AttentionGrad.grad(op, a.get(0), a.get(1), a.get(2), a.get(3), (region, args) -> runRegion(region, args, frame));
            };
        }

        private RefTensor named(Op op, Map<String, RefTensor> bound, String what) {
            String name = op.strAttr("name", "?");
            RefTensor t = bound.get(name);
            if (t == null) throw new IllegalArgumentException("missing " + what + " `" + name + "` of type " + op.type());
            return t;
        }

        /** One evaluation of a scalar region: its arguments bound to rank-0 tensors, its yield read back. */
        private double runRegion(Region region, double[] args, Frame parent) {
            if (args.length != region.args().size())
                throw new IllegalArgumentException("region `" + region.role() + "` takes " + region.args().size() + " arguments, got " + args.length);
            Frame f = new Frame(parent, new HashMap<>());
            for (int i = 0; i < args.length; i++) {
                Value arg = region.args().get(i);
                f.values.put(arg, RefTensor.scalar(arg.type().dtype(), args[i]));
            }
            for (Op op : region.ops()) f.values.put(op.result(), eval(op, f));
            RefTensor y = f.get(region.yield());
            if (y.size() != 1)
                throw new IllegalArgumentException("region `" + region.role() + "` yields " + Arrays.toString(y.shape()) + ", not a scalar");
            return y.item();
        }

        private long[] shapeOf(TensorType t) {
            long[] s = new long[t.rank()];
            for (int i = 0; i < s.length; i++) s[i] = evalDim(t.dim(i), t);
            return s;
        }

        private long evalDim(Dim d, TensorType t) {
            for (String s : d.symbols())
                if (!symbols.containsKey(s))
                    throw new IllegalArgumentException("the type " + t + " uses the symbol " + s + ", which no input's shape binds");
            return d.eval(symbols);
        }

        /** The value must have the type the graph declares for it: catches both graph and interpreter mistakes. */
        private void check(Op op, RefTensor r) {
            TensorType t = op.type();
            if (r.dtype() != t.dtype() || !Arrays.equals(r.shape(), shapeOf(t)))
                throw new IllegalArgumentException(op.kind().mnemonic() + " %" + op.result().id() + " is declared " + t
                        + " but evaluates to " + r.dtype() + Arrays.toString(r.shape())
                        + (op.kind() == OpKind.PARAM ? " (parameter `" + op.strAttr("name", "?") + "`)" : ""));
        }
    }
}
