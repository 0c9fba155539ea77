package strata.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.cli.bench.AttentionBackwardBench;
import strata.cli.bench.AttentionBench;
import strata.cli.bench.ModelBench;
import strata.cli.bench.RandomBench;
import strata.cli.bench.RowOpBench;
import strata.runtime.KernelPool;

/**
 * {@code strata bench matmul|attention|softmax|layernorm}: runs the acceptance cases against a peer
 * (OpenBLAS for matmul, our unfused path for attention, a copy kernel for the row ops) and prints, per case,
 * our time and throughput, the peer's, and {@code ratio_vs_<peer>: X} (peer time / our time).
 *
 * <p>The machine sets OPENBLAS_CORETYPE=Haswell, which makes OpenBLAS pick its AVX2 kernel at
 * about half speed; the bench therefore re-runs itself in a child JVM without OPENBLAS_CORETYPE
 * and OPENBLAS_L2_SIZE, so that the peer is measured at its best. Nothing else is changed.
 */
@Command(name = "bench", description = "Measure kernels against a peer (matmul: OpenBLAS sgemm; attention: our unfused path; softmax, layernorm, random: a copy kernel).")
final class BenchCommand implements Callable<Integer> {
    static final String CHILD_MARK = "STRATA_BENCH_CHILD";
    private static final List<String> PEER_VARIABLES = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    enum What { matmul, attention, softmax, layernorm, model, random, train_step }

    /** Bench names as users write them: {@code train-step}. */
    static final class WhatName implements picocli.CommandLine.ITypeConverter<What> {
        @Override public What convert(String s) { return What.valueOf(s.replace('-', '_')); }
    }

    @Parameters(index = "0", paramLabel = "WHAT", converter = BenchCommand.WhatName.class, description = "what to measure: matmul, attention, softmax, layernorm, model, random, train-step") What what;
    @Option(names = "--threads", description = "threads for ours and the peer (default: ${DEFAULT-VALUE})") int threads = 2;
    @Option(names = "--case", paramLabel = "MxNxK", description = "a shape instead of the acceptance cases (repeatable)") List<String> cases = new ArrayList<>();
    @Option(names = "--transpose-b", description = "B is given as [N, K] (x @ W^T)") boolean transposeB;
    @Option(names = "--backward", description = "attention: time the fused backward (dq, dk, dv) against the forward") boolean backward;
    @Option(names = "--seconds", description = "measuring time per case and side (default: ${DEFAULT-VALUE})") double seconds = 1.0;
    @Option(names = "--model", paramLabel = "FILE", description = "model: the model file (default: models/gpt2.strata)") Path model;
    @Option(names = "--preset", description = "model, train-step: the preset (default: ${DEFAULT-VALUE})") String preset = "small";
    @Option(names = "--batch", description = "train-step: B (default: 4)") Integer batch;
    @Option(names = "--length", description = "train-step: T (default: 64)") Integer length;
    @Option(names = "--mask", description = "attention: the mask, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})") AttentionBench.MaskKind mask = AttentionBench.MaskKind.causal;
    @Option(names = "--window", description = "attention --mask sliding: keys each query sees, itself included (default: ${DEFAULT-VALUE})") long window = 128;
    @Option(names = "--sinks", description = "attention --mask sliding: leading keys every query also sees (default: ${DEFAULT-VALUE})") long sinks = 0;

    @Override public Integer call() throws IOException, InterruptedException {
        boolean clean = PEER_VARIABLES.stream().allMatch(v -> System.getenv(v) == null);
        if (!clean && System.getenv(CHILD_MARK) == null) return reExec();
        System.out.println("bench " + what + ": " + threads + " threads; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE "
                + (System.getenv(CHILD_MARK) != null ? "removed for this run (child JVM)" : "not set") + "; " + loadAverage());
        return switch (what) {
            case matmul -> new MatmulBench(threads, transposeB, seconds).run(cases.isEmpty() ? MatmulBench.ACCEPTANCE : cases, System.out);
            case attention -> {
                try (KernelPool pool = new KernelPool(threads)) {
                    if (!backward) AttentionBench.run(System.out, mask, window, sinks, 4, 12, 1024, 64, pool);
                    else for (long[] c : AttentionBackwardBench.CASES) AttentionBackwardBench.run(System.out, c[0], c[1], c[2], c[3], pool);
                }
                yield 0;
            }
            case model -> {
                Frontend fe = new Frontend();
                Path file = model != null ? model : Path.of(System.getProperty("strata.home", "."), "models", "gpt2.strata");
                if (fe.load(file, System.err) == null) yield 1;
                var r = fe.elaborate(null, preset, java.util.Map.of(), System.err);
                if (r == null) yield 1;
                try (KernelPool pool = new KernelPool(threads)) {
                    ModelBench.run(System.out, r, 4, 256, pool);
                }
                yield 0;
            }
            case train_step -> {
                Frontend fe = new Frontend();
                Path file = model != null ? model : Path.of(System.getProperty("strata.home", "."), "models", "gpt2.strata");
                if (fe.load(file, System.err) == null) yield 1;
                var r = fe.elaborateTraining(null, preset, java.util.Map.of(), null, System.err);
                if (r == null) yield 1;
                try (KernelPool pool = new KernelPool(threads)) {
                    strata.cli.bench.TrainStepBench.run(System.out, r, batch == null ? 4 : batch, length == null ? 64 : length, pool);
                }
                yield 0;
            }
            case random -> {
                try (KernelPool pool = new KernelPool(threads)) {
                    RandomBench.run(System.out, 4096, 768, pool);
                }
                yield 0;
            }
            case softmax, layernorm -> {
                try (KernelPool pool = new KernelPool(threads)) {
                    RowOpBench.run(System.out, 4096, 768, pool);
                }
                yield 0;
            }
        };
    }

    /** Other busy processes make every figure here meaningless: say how busy the machine was. */
    private static String loadAverage() {
        try {
            String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load average " + l[0] + " (1 min) on " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException | RuntimeException e) {
            return "load average unknown";
        }
    }

    /** Runs this same command in a child JVM whose environment lacks the peer's variables. */
    private int reExec() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "bench", what.name(), "--threads", Integer.toString(threads), "--seconds", Double.toString(seconds)));
        if (transposeB) cmd.add("--transpose-b");
        if (model != null) cmd.addAll(List.of("--model", model.toAbsolutePath().toString()));
        cmd.addAll(List.of("--preset", preset));
        if (backward) cmd.add("--backward");
        cmd.addAll(List.of("--mask", mask.name(), "--window", Long.toString(window), "--sinks", Long.toString(sinks)));
        if (batch != null) cmd.addAll(List.of("--batch", batch.toString()));
        if (length != null) cmd.addAll(List.of("--length", length.toString()));
        for (String c : cases) cmd.addAll(List.of("--case", c));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        PEER_VARIABLES.forEach(pb.environment()::remove);
        pb.environment().put(CHILD_MARK, "1");
        System.out.println("bench: re-running in a child JVM without " + String.join(" and ", PEER_VARIABLES) + " (the peer's kernel choice)");
        System.out.flush();
        return pb.start().waitFor();
    }
}
