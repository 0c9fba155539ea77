package strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.Value;
import strata.compiler.interp.Interpreter;
import strata.compiler.interp.RefTensor;

/**
 * Whole-model properties. {@link #assertShapesHold}: for each preset and random {@code --set}
 * values, the shape that inference gives every value of the graph, at the batch and lengths the
 * test draws, is the shape the reference interpreter computes on random inputs and weights; the
 * element types agree and the outputs are finite.
 */
public final class ModelAssertions {
    private ModelAssertions() {}

    /**
     * How inputs are drawn: integers per sample (rank 1: lengths, prefixes) in [1, shortest length],
     * so every query sees a key; other integers (token ids, positions) in [0, min(vocab, block));
     * floats normal; bools coins. {@link #with} narrows one input by name.
     */
    public record Inputs(Map<String, long[]> ranges) {
        public static Inputs defaults() { return new Inputs(Map.of()); }

        /** The integer input {@code name} drawn in [lo, hi). */
        public Inputs with(String name, long lo, long hi) {
            Map<String, long[]> m = new HashMap<>(ranges);
            m.put(name, new long[] {lo, hi});
            return new Inputs(Map.copyOf(m));
        }

        long[] range(Op in, long shortest, long ids) {
            long[] r = ranges.get(in.strAttr("name", ""));
            if (r != null) return r;
            return in.type().rank() == 1 ? new long[] {1, shortest + 1} : new long[] {0, ids};
        }
    }

    /** 25 examples per preset with the default inputs, B in [1, 3] and T in [1, 12]. */
    public static void assertShapesHold(Path model, List<String> presets, Gen<Map<String, String>> sets) {
        assertShapesHold(model, presets, sets, Inputs.defaults(), 25);
    }

    /**
     * @param presets preset names; "" or null for the written defaults
     * @param sets    valid {@code --set} values of the model
     */
    public static void assertShapesHold(Path model, List<String> presets, Gen<Map<String, String>> sets, Inputs inputs, int examples) {
        List<String> ps = presets.stream().map(p -> p == null ? "" : p).toList();
        qt().withExamples(examples).withShrinkCycles(20)
                .forAll(sets, Generate.pick(ps), Generate.range(1, 3), Generate.range(1, 12))
                .checkAssert((s, preset, batch, length) -> shapesHold(StrataModels.load(model, preset, s), inputs, batch, length));
    }

    /**
     * One check: B = batch; T = the requested length, folded into [1, block] (hyperparameter
     * {@code block}, else 12); other sequence symbols (S, P, C) near T, within the block.
     */
    public static void shapesHold(StrataModel m, Inputs inputs, int batch, int requestedLength) {
        Graph g = m.graph();
        long block = m.hyper("block", 12);
        long length = 1 + (requestedLength - 1) % block;
        Map<String, Long> symbols = new LinkedHashMap<>();
        for (String sym : g.symbols()) symbols.put(sym, sym.equals("B") ? (long) batch : Math.min(block, length + (sym.equals("T") ? 0 : sym.hashCode() % 3)));
        String where = m.describe() + " at " + symbols;
        long shortest = symbols.entrySet().stream().filter(e -> !e.getKey().equals("B")).mapToLong(Map.Entry::getValue).min().orElse(1);
        long ids = Math.min(m.hyper("vocab", 2), block);
        Map<String, RefTensor> in = randomInputs(g, symbols, op -> inputs.range(op, shortest, ids), m.sets().hashCode());
        Map<Value, RefTensor> values = new Interpreter().evaluate(g, in, randomParams(g, batch));
        assertEquals(g.ops().size(), values.size(), () -> where + ": values evaluated");
        for (Op op : g.ops()) {
            Value v = op.result();
            RefTensor t = values.get(v);
            assertEquals(v.type().dtype(), t.dtype(), () -> where + ": element type of " + v);
            assertArrayEquals(v.type().concreteShape(symbols), t.shape(), () -> where + ": shape of " + op.kind().mnemonic() + " " + v);
        }
        for (Value out : g.outputs())
            for (double x : values.get(out).toArray()) assertTrue(Double.isFinite(x), () -> where + ": non-finite output " + out);
    }

    /** Random weights: normal(0, 0.2), and 1 +- 0.1 for gains (init = ones). */
    public static Map<String, RefTensor> randomParams(Graph g, long seed) {
        Random rnd = new Random(seed);
        Map<String, RefTensor> out = new HashMap<>();
        for (Op p : g.params()) {
            int n = (int) p.type().numel().value();
            double[] v = new double[n];
            boolean gain = p.strAttr("init", "").equals("ones");
            for (int i = 0; i < n; i++) v[i] = gain ? 1 + 0.1 * rnd.nextGaussian() : 0.2 * rnd.nextGaussian();
            out.put(p.strAttr("name", ""), RefTensor.of(p.type().dtype(), p.type().concreteShape(Map.of()), v));
        }
        return out;
    }

    /** Random inputs at these sizes: each integer input in the [lo, hi) that {@code range} gives it, floats normal, bools coins. */
    public static Map<String, RefTensor> randomInputs(Graph g, Map<String, Long> symbols, java.util.function.Function<Op, long[]> range, long seed) {
        Random rnd = new Random(seed);
        Map<String, RefTensor> out = new HashMap<>();
        for (Op in : g.inputs()) {
            long[] shape = in.type().concreteShape(symbols);
            int n = 1;
            for (long s : shape) n *= (int) s;
            double[] v = new double[n];
            DType dt = in.type().dtype();
            long[] r = range.apply(in);
            for (int i = 0; i < n; i++)
                v[i] = dt.isInteger() ? rnd.nextLong(r[0], r[1]) : dt == DType.BOOL ? rnd.nextInt(2) : rnd.nextGaussian();
            out.put(in.strAttr("name", ""), RefTensor.of(dt, shape, v));
        }
        return out;
    }
}
