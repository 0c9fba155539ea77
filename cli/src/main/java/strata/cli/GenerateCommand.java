package strata.cli;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import strata.compiler.front.Elaborator;
import strata.compiler.front.Val;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.passes.PassManager;
import strata.runtime.KernelPool;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.generate.KvGenerator;
import strata.runtime.generate.TokenDecoder;
import strata.runtime.generate.Sampling;
import strata.runtime.text.Tokenizer;
import strata.runtime.text.TokenizerJson;
import strata.runtime.train.TrainCheckpoint;

/**
 * {@code strata generate --checkpoint DIR --prompt TEXT}: continues a prompt with a trained model
 * (the model file, preset and tokenizer named by the checkpoint), printing as it goes.
 */
@Command(name = "generate", description = "Continue a prompt with a trained model from a `strata train` run directory.")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "a run directory written by strata train") Path dir;
    @Option(names = "--prompt", defaultValue = "\n", description = "the text to continue (default: a newline)") String prompt;
    @Option(names = "--max-new-tokens", description = "(default: ${DEFAULT-VALUE})") int maxNew = 200;
    @Option(names = "--temperature", description = "0 picks the most likely token (default: ${DEFAULT-VALUE})") double temperature = 0.8;
    @Option(names = "--top-k", description = "sample among the k most likely tokens, 0 for all (default: ${DEFAULT-VALUE})") int topK = 200;
    @Option(names = "--top-p", description = "sample among the most likely tokens holding this much probability (default: ${DEFAULT-VALUE})") double topP = 1.0;
    @Option(names = "--seed", description = "(default: ${DEFAULT-VALUE})") long seed = 1;
    @Option(names = "--no-kv-cache", description = "recompute the whole window for every token instead of decoding with a KV cache") boolean noCache;

    @Override public Integer call() throws Exception {
        Sampling sampling = new Sampling(temperature, topK, topP);
        try (Arena arena = Arena.ofShared(); KernelPool pool = KernelPool.forThisMachine()) {
            Checkpoint ck = TrainCheckpoint.read(dir, arena);
            Map<String, String> meta = ck.metadata();
            String fileName = meta.get("strata.model_file");
            if (fileName == null) throw new IllegalArgumentException(dir.resolve(TrainCheckpoint.FILE) + " does not say which model wrote it (no strata.model_file)");
            Path file = Path.of(fileName);
            Frontend fe = new Frontend();
            if (fe.load(file, System.err) == null) return 1;
            String had = meta.get("strata.source_sha256");
            if (had != null && !had.equals(TrainCommand.sha256(Files.readString(file))))
                System.err.println("strata generate: warning: " + file + " changed since the checkpoint was written");
            String sets = meta.getOrDefault("strata.sets", "");
            Map<String, String> setMap = Sets.parse(sets.isEmpty() ? List.of() : Arrays.asList(sets.split(";")));
            Elaborator.Result r = fe.elaborate(meta.get("strata.model"), meta.get("strata.preset"), setMap, System.err);
            if (r == null) return 1;
            Tokenizer tok = TokenizerJson.load(dir.resolve(meta.getOrDefault("strata.tokenizer", "tokenizer.json")));
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (String n : ck.tensors().keySet()) if (!n.startsWith("optimizer.")) params.put(n, ck.f32(n, arena));
            sample(fe, r, setMap, params, tok, prompt, maxNew, temperature, topK, topP, seed, pool, sampling, !noCache);
        }
        return 0;
    }

    /** Generates from a model's inference forward with given weights, printing the prompt and then each piece as it comes. */
    static void sample(Frontend fe, Elaborator.Result training, Map<String, String> sets, Map<String, Tensor> params, Tokenizer tok, String prompt,
                       int count, double temperature, int topK, double topP, long seed, KernelPool pool) {
        sample(fe, training, sets, params, tok, prompt, count, temperature, topK, topP, seed, pool, new Sampling(temperature, topK, topP), true);
    }

    private static void sample(Frontend fe, Elaborator.Result training, Map<String, String> sets, Map<String, Tensor> params, Tokenizer tok, String prompt, int count,
                               double temperature, int topK, double topP, long seed, KernelPool pool, Sampling sampling, boolean useCache) {
        // the checkpoint's --set overrides (block, d, ...) shape its parameters, so the inference graph needs them too
        Elaborator.Result r = fe.elaborate(training.model(), training.preset(), sets, System.err);
        if (r == null) throw new IllegalStateException("the model no longer elaborates");
        Graph fwd = PassManager.parse("default").run(r.graph());
        long block = r.hypers().get("block") instanceof Val.Int b ? b.value() : 64;
        int[] ids = tok.encode(prompt);
        StringBuilder shown = new StringBuilder(prompt);
        System.out.println("---- sample (temperature " + temperature + ", top-k " + topK + ", seed " + seed + ") ----");
        System.out.print(prompt);
        // a model whose masks are not causal (or that mixes tokens outside attention) recomputes the window per token; say why once
        try (TokenDecoder gen = TokenDecoder.of(fwd, params, block, tok.vocabSize(), pool, useCache,
                why -> System.err.println("strata generate: recomputing the window for every token: " + why))) {
            long t0 = System.nanoTime();
            int[] all = java.util.Arrays.copyOf(ids, ids.length);
            int[][] sofar = {all};
            gen.generate(ids, count, sampling, seed, id -> {
                sofar[0] = java.util.Arrays.copyOf(sofar[0], sofar[0].length + 1);
                sofar[0][sofar[0].length - 1] = id;
                String text = tok.decode(sofar[0]);
                System.out.print(text.substring(Math.min(shown.length(), text.length())));
                System.out.flush();
                shown.setLength(0);
                shown.append(text);
            });
            double secs = (System.nanoTime() - t0) / 1e9;
            System.err.printf("%nstrata generate: %d tokens in %.3f s, %.1f tokens/s (%s)%n", count, secs, count / secs,
                    gen instanceof KvGenerator ? "KV cache" : "full recompute");
        }
        System.out.println();
        System.out.println("----");
    }
}
