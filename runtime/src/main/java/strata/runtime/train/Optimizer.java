package strata.runtime.train;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.train.OptimizerGraphs;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * AdamW or SGD with momentum over a {@link FlatParams} layout, with clipping by global norm:
 * compiled update programs ({@link OptimizerGraphs}) that write the new parameters and state in
 * place, so a step moves each byte of parameters, gradients and state once.
 *
 * <p>The state vectors are part of a checkpoint: {@link #state()} names them.
 */
public final class Optimizer implements AutoCloseable {
    public enum Kind { ADAMW, SGD }

    /**
     * @param layerScale each parameter's learning-rate multiplier (layer-wise rates); null for 1 everywhere
     */
    public record Settings(Kind kind, double beta1, double beta2, double eps, double weightDecay, double momentum, double clip,
                           java.util.function.ToDoubleFunction<FlatParams.Slot> layerScale) {
        public Settings(Kind kind, double beta1, double beta2, double eps, double weightDecay, double momentum, double clip) {
            this(kind, beta1, beta2, eps, weightDecay, momentum, clip, null);
        }

        public static Settings adamw(double beta1, double beta2, double weightDecay, double clip) {
            return new Settings(Kind.ADAMW, beta1, beta2, 1e-8, weightDecay, 0, clip);
        }

        public Settings withLayerScale(java.util.function.ToDoubleFunction<FlatParams.Slot> scale) {
            return new Settings(kind, beta1, beta2, eps, weightDecay, momentum, clip, scale);
        }
    }

    private final Settings settings;
    private final FlatParams layout;
    private final Arena arena = Arena.ofShared();
    private final Tensor m, v, decay, lrScale;
    private final CpuExecutable update, norm;
    private final Map<String, Tensor> scalars = new HashMap<>();
    private long steps;

    /**
     * @param decays which parameters weight decay applies to (nanoGPT: every tensor of rank >= 2,
     *               i.e. matrices and embeddings, not gains and biases)
     */
    public Optimizer(Settings settings, FlatParams layout, java.util.function.Predicate<FlatParams.Slot> decays, KernelPool pool) {
        this.settings = settings;
        this.layout = layout;
        this.m = layout.allocate(arena);
        this.v = settings.kind() == Kind.ADAMW ? layout.allocate(arena) : null;
        this.decay = layout.allocate(arena);
        for (FlatParams.Slot s : layout.slots().values())
            if (decays.test(s)) fill(layout.view(decay, s.name()).data(), (float) settings.weightDecay());
        if (settings.layerScale() != null) {
            if (settings.kind() != Kind.ADAMW) throw new IllegalArgumentException("layer-wise learning rates are implemented for AdamW");
            this.lrScale = layout.allocate(arena);
            for (FlatParams.Slot s : layout.slots().values()) {
                fill(layout.view(lrScale, s.name()).data(), (float) settings.layerScale().applyAsDouble(s));
            }
        } else this.lrScale = null;
        Graph g = settings.kind() == Kind.ADAMW ? OptimizerGraphs.adamw(lrScale != null) : OptimizerGraphs.sgd();
        this.update = CpuExecutable.compile(g, pool);
        this.norm = CpuExecutable.compile(OptimizerGraphs.squaredNorm(), pool);
        for (String s : List.of("lr", "grad_scale", "beta1", "beta2", "eps", "bc1", "bc2", "momentum"))
            scalars.put(s, Tensor.allocate(arena, DType.F32));
    }

    /** Sets every float of {@code seg} to {@code value} by doubling bulk copies. */
    static void fill(java.lang.foreign.MemorySegment seg, float value) {
        long n = seg.byteSize();
        if (n < 4) return;
        seg.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, value);
        for (long done = 4; done < n; done *= 2) seg.asSlice(done, Math.min(done, n - done)).copyFrom(seg.asSlice(0, Math.min(done, n - done)));
    }

    /** The global L2 norm of a flat gradient. */
    public double gradNorm(Tensor grad) {
        try (Arena a = Arena.ofConfined()) {
            return Math.sqrt(norm.run(a, Map.of("grad", grad), Map.of()).getFirst().get(0));
        }
    }

    /**
     * One update of {@code params} in place from {@code grad} (which is first multiplied by
     * {@code gradScale}: 1 / accumulated micro-batches), clipping the scaled gradient to the
     * settings' global norm. Returns the gradient's norm before clipping.
     */
    public double step(Tensor params, Tensor grad, double lr, double gradScale) {
        double gn = gradNorm(grad) * gradScale;
        double scale = gradScale;
        if (settings.clip() > 0 && gn > settings.clip()) scale *= settings.clip() / (gn + 1e-6);
        steps++;
        set("lr", lr);
        set("grad_scale", scale);
        Map<String, Tensor> in = new HashMap<>();
        in.put("param", params);
        in.put("grad", grad);
        in.put("m", m);
        in.put("decay", decay);
        in.put("lr", scalars.get("lr"));
        in.put("grad_scale", scalars.get("grad_scale"));
        List<Tensor> into = new ArrayList<>(List.of(params, m));
        if (settings.kind() == Kind.ADAMW) {
            set("beta1", settings.beta1());
            set("beta2", settings.beta2());
            set("eps", settings.eps());
            set("bc1", 1 - Math.pow(settings.beta1(), steps));
            set("bc2", 1 - Math.pow(settings.beta2(), steps));
            for (String s : List.of("beta1", "beta2", "eps", "bc1", "bc2")) in.put(s, scalars.get(s));
            in.put("v", v);
            if (lrScale != null) in.put("lr_scale", lrScale);
            into.add(v);
        } else {
            set("momentum", settings.momentum());
            in.put("momentum", scalars.get("momentum"));
        }
        try (Arena a = Arena.ofConfined()) {
            update.run(a, in, Map.of(), into);
        }
        return gn;
    }

    private void set(String name, double value) { scalars.get(name).set(0, value); }

    /** Updates taken so far (Adam's t). */
    public long steps() { return steps; }

    public void restoreSteps(long t) { steps = t; }

    /** The state vectors by name, for checkpoints: m (and v for AdamW), in the parameters' layout. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        out.put("m", m);
        if (v != null) out.put("v", v);
        return out;
    }

    @Override public void close() {
        update.close();
        norm.close();
        arena.close();
    }
}
