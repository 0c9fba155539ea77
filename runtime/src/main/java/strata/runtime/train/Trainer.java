package strata.runtime.train;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import strata.compiler.autodiff.Gradients;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.passes.PassManager;
import strata.runtime.CpuExecutable;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;

/**
 * A compiled training step: the model's training graph (forward and loss) differentiated for its
 * trainable parameters, compiled once; gradients land in one flat vector which the optimizer
 * updates in place. The step is the pure function (parameters, state, batch) -> (loss, gradients)
 * followed by the update, with {@link #gradientHook} between them, where data-parallel training
 * all-reduces the gradient.
 */
public final class Trainer implements AutoCloseable {
    private final Graph lossGraph;
    private final CpuExecutable gradProgram, lossProgram;
    private final Gradients.Result grads;
    private final FlatParams layout;
    private final Arena arena = Arena.ofShared();
    private final Tensor params, grad;
    private final Map<String, Tensor> frozen = new LinkedHashMap<>();
    private final Map<String, Tensor> paramViews;
    /** Every parameter by name (the frozen ones and views of the trained ones), made once: each step passes it. */
    private final Map<String, Tensor> allParameters;
    private final List<Tensor> gradInto = new ArrayList<>();
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final double gradScale;
    private java.util.function.Consumer<Tensor> gradientHook = g -> { };
    private final long seed;
    private final int accumulate;
    private final Tensor microGrad;
    private final List<Tensor> microInto;
    private final CpuExecutable accumulateProgram;

    /**
     * @param training  a graph whose only output is the scalar loss
     * @param trainable which parameters are trained (the others are frozen: no gradient is computed for them)
     * @param initial   every parameter's starting value, by name (copied)
     * @param accumulate micro-batches per update: their gradients are averaged
     */
    public Trainer(Graph training, Predicate<String> trainable, Map<String, Tensor> initial, Optimizer.Settings settings,
                   Schedule schedule, int accumulate, KernelPool pool) {
        this(training, trainable, initial, settings, schedule, accumulate, 0, pool);
    }

    /** @param seed the run's seed, from which each step's dropout streams follow */
    public Trainer(Graph training, Predicate<String> trainable, Map<String, Tensor> initial, Optimizer.Settings settings,
                   Schedule schedule, int accumulate, long seed, KernelPool pool) {
        this.seed = seed;
        if (training.outputs().size() != 1 || training.outputs().getFirst().type().rank() != 0)
            throw new IllegalArgumentException("a training graph has one output, the scalar loss; @" + training.name() + " has " + training.outputs());
        if (accumulate < 1) throw new IllegalArgumentException("accumulate must be at least 1");
        this.lossGraph = PassManager.parse("default").run(training);
        this.schedule = schedule;
        this.gradScale = 1.0 / accumulate;
        this.grads = Gradients.append(training, training.outputs().getFirst(), trainable);
        Graph g = PassManager.parse("default").run(grads.graph());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Op p : training.params()) {
            String name = p.strAttr("name", "");
            if (grads.gradients().containsKey(name)) shapes.putIfAbsent(name, p.type().concreteShape(Map.of()));
        }
        this.layout = new FlatParams(shapes);
        this.params = layout.allocate(arena);
        this.grad = layout.allocate(arena);
        this.paramViews = layout.views(params);
        for (Op p : training.params()) {
            String name = p.strAttr("name", "");
            Tensor given = initial.get(name);
            if (given == null) throw new IllegalArgumentException("no initial value for parameter `" + name + "`");
            if (paramViews.containsKey(name)) paramViews.get(name).data().copyFrom(given.data().asSlice(0, paramViews.get(name).data().byteSize()));
            else frozen.putIfAbsent(name, given);
        }
        Map<String, Tensor> all = new HashMap<>(frozen);
        all.putAll(paramViews);
        this.allParameters = java.util.Collections.unmodifiableMap(all);
        // the gradient program's outputs: the loss, then each gradient straight into its place in the flat vector
        for (int i = 0; i < g.outputs().size(); i++) gradInto.add(null);
        for (var e : grads.gradients().entrySet()) gradInto.set(e.getValue(), layout.view(grad, e.getKey()));
        // dropout masks as in training, from each op's seed and the step's (a run-time value, so one program serves every step)
        this.gradProgram = CpuExecutable.compileForTraining(g, pool);
        this.accumulate = accumulate;
        if (accumulate > 1) {
            microGrad = layout.allocate(arena);
            microInto = new ArrayList<>(gradInto);
            for (var e : grads.gradients().entrySet()) microInto.set(e.getValue(), layout.view(microGrad, e.getKey()));
            accumulateProgram = CpuExecutable.compile(strata.compiler.train.OptimizerGraphs.accumulate(), pool);
        } else {
            microGrad = null;
            microInto = null;
            accumulateProgram = null;
        }
        this.lossProgram = CpuExecutable.compile(lossGraph, pool);
        this.optimizer = new Optimizer(settings, layout, s -> s.shape().length >= 2, pool);
    }

    /** Called with the flat gradient after the backward pass and before the update (an all-reduce goes here). */
    public void gradientHook(java.util.function.Consumer<Tensor> hook) { this.gradientHook = hook; }

    /** The outcome of one update. */
    public record StepResult(double loss, double gradNorm, double lr) {}

    /** One update at {@code step} (0-based) on the training batches {@code step * accumulate ...}. */
    public StepResult step(long step, Batches data, int accumulate) {
        if (accumulate != this.accumulate)
            throw new IllegalArgumentException("this trainer was made for " + this.accumulate + " micro-batches per update, not " + accumulate);
        double loss = 0;
        for (int i = 0; i < accumulate; i++) {
            // micro-batch i of update `step` is batch step * accumulate + i; the first writes the
            // gradient, the others write beside it and are added in
            long micro = step * accumulate + i;
            try (Arena a = Arena.ofConfined()) {
                Map<String, Tensor> named = data.train(micro, a);
                List<Tensor> out = gradProgram.run(a, named, parameters(), i == 0 ? gradInto : microInto, stepSeed(micro));
                loss += out.getFirst().get(0);
                if (i > 0) accumulateProgram.run(a, Map.of("acc", grad, "grad", microGrad), Map.of(), List.of(grad));
            }
        }
        loss /= accumulate;
        gradientHook.accept(grad);
        double lr = schedule.at(step);
        double norm = optimizer.step(params, grad, lr, gradScale);
        return new StepResult(loss, norm, lr);
    }

    /** The seed of step {@code step}'s dropout streams: never 0, which would mean "the op's own seed" at every step. */
    public long stepSeed(long step) { return (step + 1) * 0x9E3779B97F4A7C15L ^ seed; }

    /** The mean loss over validation batches 0 .. n-1. */
    public double evaluate(Batches data, long n) {
        double sum = 0;
        for (long i = 0; i < n; i++)
            try (Arena a = Arena.ofConfined()) {
                sum += lossProgram.run(a, data.validation(i, a), parameters()).getFirst().get(0);
            }
        return sum / n;
    }

    /** Every parameter by name: views of the trained ones into the flat vector, and the frozen ones. */
    public Map<String, Tensor> parameters() { return allParameters; }

    public FlatParams layout() { return layout; }

    /** The flat gradient of the last step (before clipping), in {@link #layout()}. */
    public Tensor gradient() { return grad; }

    public Optimizer optimizer() { return optimizer; }

    /** Starts timing each kind of kernel of the gradient program and the optimizer. */
    public void profile() { gradProgram.profile(); }

    /** Summed wall time per kind of kernel of the gradient program since {@link #profile()}, in ns, largest first. */
    public List<Map.Entry<String, Long>> profileReport() { return gradProgram.profileReport(); }

    /** Kernels in the compiled gradient program. */
    public int kernelCount() { return gradProgram.kernelCount(); }

    @Override public void close() {
        gradProgram.close();
        lossProgram.close();
        if (accumulateProgram != null) accumulateProgram.close();
        optimizer.close();
        arena.close();
    }
}
