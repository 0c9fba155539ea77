package strata.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.front.Val;
import strata.compiler.graph.DType;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.grammar.CompileError;
import strata.runtime.KernelPool;
import strata.runtime.ParamInit;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.data.BundledData;
import strata.runtime.data.TextDataset;
import strata.runtime.text.TokenizerJson;
import strata.runtime.train.Batches;
import strata.runtime.train.Optimizer;
import strata.runtime.train.Schedule;
import strata.runtime.train.TrainCheckpoint;
import strata.runtime.train.Trainer;

/**
 * {@code strata train FILE --preset P}: trains a model on its recipe's data with compiled
 * forward, backward and optimizer kernels; shows progress, evaluates on the validation split,
 * checkpoints (resumable bit for bit with {@code --resume}), logs losses to a CSV and a PNG, and
 * prints a sample at the end.
 */
@Command(name = "train", description = "Train a model on its recipe's data (a preset's train { } block); checkpoint, log and sample.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "which model of the file (default: its last)") String model;
    @Option(names = "--preset", description = "a preset of the model; its train { } block is the recipe") String preset;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a hyperparameter") List<String> sets = new ArrayList<>();
    @Option(names = "--loss", description = "which of the model's losses to train (default: its last)") String loss;
    @Option(names = "--data", description = "a text file to train on (default: the recipe's, from the bundled data)") Path data;
    @Option(names = "--steps", description = "updates (recipe: steps)") Long steps;
    @Option(names = "--batch", description = "rows per micro-batch (recipe: batch)") Long batch;
    @Option(names = "--lr", description = "peak learning rate (recipe: lr)") Double lr;
    @Option(names = "--min-lr", description = "the rate the decay ends at (recipe: min_lr)") Double minLr;
    @Option(names = "--warmup", description = "linear warm-up steps (recipe: warmup)") Long warmup;
    @Option(names = "--eval-every", description = "validation every N steps, 0 for only at the end (recipe: eval_every)") Long evalEvery;
    @Option(names = "--eval-batches", description = "validation batches at the end; a tenth of them during training (recipe: eval_batches)") Long evalBatches;
    @Option(names = "--checkpoint-every", description = "also checkpoint every N steps (default: at evaluations and the end)") Long checkpointEvery;
    @Option(names = "--seed", description = "fixes the weights, the batches and the dropout masks (recipe: seed)") Long seed;
    @Option(names = "--out", description = "the run's directory (default: runs/MODEL-PRESET)") Path out;
    @Option(names = "--resume", description = "continue the run in --out from its checkpoint") boolean resume;
    @Option(names = "--freeze", paramLabel = "GLOB", description = "parameters not to train, by name (repeatable): 'wte.*', 'h.0.*'") List<String> freeze = new ArrayList<>();
    @Option(names = "--tokenizer", description = "char (one id per character) or bpe (byte-level BPE trained on the data)") String tokenizerOption;
    @Option(names = "--vocab-size", description = "bpe: tokens in the trained vocabulary (default: 512)") Long vocabSize;
    @Option(names = "--accumulate", description = "micro-batches per update (gradient accumulation)") Long accumulate;
    @Option(names = "--init", paramLabel = "DIR", description = "start from the weights of another run directory (e.g. strata import's)") Path initFrom;
    @Option(names = "--profile", description = "print where the training step's time goes, by kind of kernel") boolean profile;
    @Option(names = "--sample", description = "characters to generate at the end (default: ${DEFAULT-VALUE})") int sample = 300;

    @Override public Integer call() throws Exception {
        Frontend fe = new Frontend();
        if (fe.load(file, System.err) == null) return 1;
        Elaborator.Result r = fe.elaborateTraining(model, preset, Sets.parse(sets), loss, System.err);
        if (r == null) return 1;
        Map<String, Object> over = new HashMap<>();
        if (steps != null) over.put("steps", steps);
        if (batch != null) over.put("batch", batch);
        if (lr != null) over.put("lr", lr);
        if (minLr != null) over.put("min_lr", minLr);
        if (warmup != null) over.put("warmup", warmup);
        if (evalEvery != null) over.put("eval_every", evalEvery);
        if (evalBatches != null) over.put("eval_batches", evalBatches);
        if (checkpointEvery != null) over.put("checkpoint_every", checkpointEvery);
        if (seed != null) over.put("seed", seed);
        if (accumulate != null) over.put("accumulate", accumulate);
        if (tokenizerOption != null) over.put("tokenizer", tokenizerOption);
        if (vocabSize != null) over.put("vocab_size", vocabSize);
        try {
            return train(fe, r, new Recipe(r.training(), over));
        } catch (CompileError e) {
            fe.diagnostics.add(e.diagnostic());
            fe.report(System.err);
            return 1;
        }
    }

    private int train(Frontend fe, Elaborator.Result r, Recipe recipe) throws IOException {
        Graph g = r.graph();
        String name = r.model() + (r.preset() == null ? "" : "-" + r.preset());
        Path dir = out != null ? out : freshRunDirectory(name);
        // data: the char-level language-modelling batches (x, and y the same windows shifted by one)
        Path dataFile = data != null ? data : BundledData.file(recipe.str("data", "tinyshakespeare.txt"));
        String tokenizer = recipe.str("tokenizer", "char");
        List<Op> ins = g.inputs();
        TextDataset corpus = switch (tokenizer) {
            case "char" -> TextDataset.load(dataFile);
            case "bpe" -> {
                int size = (int) recipe.integer("vocab_size", 512);
                System.out.println("training a byte-level BPE tokenizer of " + size + " tokens on " + dataFile + " ...");
                yield TextDataset.loadBpe(dataFile, size);
            }
            default -> throw new CompileError(recipe.span("tokenizer"), "unknown tokenizer `" + tokenizer + "`",
                    "use tokenizer = \"char\" (one id per character) or \"bpe\" (GPT-2's byte-level BPE, trained to vocab_size tokens)");
        };
        long vocab = r.hypers().get("vocab") instanceof Val.Int v ? v.value() : -1;
        int block = (int) (r.hypers().get("block") instanceof Val.Int b ? b.value() : 64);
        int batchSize = (int) recipe.integer("batch", 12);
        long total = recipe.integer("steps", 2000), runSeed = recipe.integer("seed", 1337);
        long every = recipe.integer("eval_every", 250), finalBatches = recipe.integer("eval_batches", 200);
        long ckptEvery = recipe.integer("checkpoint_every", 0);
        boolean languageModel = ins.size() == 2 && ins.stream().allMatch(o -> o.type().rank() == 2 && o.type().dtype() == DType.I32);
        Objective objective = languageModel ? new Objective("next-token prediction", corpus.tokenizer().vocabSize(), null)
                : Objective.of(r, corpus, batchSize, block, (int) recipe.integer("window", 48), runSeed);
        if (vocab >= 0 && objective.vocabulary() > vocab)
            throw new IllegalArgumentException(dataFile + " with " + objective.name() + " needs a vocabulary of " + objective.vocabulary()
                    + " (its characters and special tokens) but " + name + " has vocab = " + vocab + "; add --set vocab=" + objective.vocabulary());
        Batches batches = objective.batches() != null ? objective.batches() : languageModelBatches(corpus, ins, runSeed, batchSize, block);
        long tokensPerStep = batches.tokensPerBatch() * recipe.integer("accumulate", 1);
        double peak = recipe.num("lr", 1e-3);
        Schedule schedule = new Schedule(Schedule.decay(recipe.str("decay", "cosine")), peak, recipe.num("min_lr", peak / 10),
                recipe.integer("warmup", 100), total);
        String opt = recipe.str("optimizer", "adamw");
        Optimizer.Settings settings0 = switch (opt) {
            case "adamw" -> new Optimizer.Settings(Optimizer.Kind.ADAMW, recipe.num("beta1", 0.9), recipe.num("beta2", 0.999), recipe.num("eps", 1e-8),
                    recipe.num("weight_decay", 0.1), 0, recipe.num("clip", 1.0));
            case "sgd" -> new Optimizer.Settings(Optimizer.Kind.SGD, 0, 0, 0, recipe.num("weight_decay", 0), recipe.num("momentum", 0.9), recipe.num("clip", 0));
            default -> throw new CompileError(recipe.span("optimizer"), "unknown optimizer `" + opt + "`", "use adamw or sgd");
        };
        Optimizer.Settings settings = settings0;
        double layerDecay = recipe.num("layer_lr_decay", 1.0);
        if (layerDecay != 1.0) settings = settings.withLayerScale(LayerDepth.of(g, layerDecay));
        int micro = (int) recipe.integer("accumulate", 1);
        List<java.nio.file.PathMatcher> frozen = freeze.stream().map(p -> java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + p)).toList();
        java.util.function.Predicate<String> trainable = n -> frozen.stream().noneMatch(m -> m.matches(Path.of(n)));
        String sourceHash = sha256(Files.readString(file));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("strata.model_file", file.toAbsolutePath().normalize().toString());
        meta.put("strata.source_sha256", sourceHash);
        meta.put("strata.model", r.model());
        if (r.preset() != null) meta.put("strata.preset", r.preset());
        meta.put("strata.sets", String.join(";", sets));
        meta.put("strata.seed", Long.toString(runSeed));
        meta.put("strata.tokenizer", "tokenizer.json");

        try (KernelPool pool = KernelPool.forThisMachine(); Arena arena = Arena.ofShared()) {
            Map<String, Tensor> init = new LinkedHashMap<>();
            for (Op p : g.params()) init.putIfAbsent(p.strAttr("name", ""), ParamInit.of(arena, p, runSeed));
            if (initFrom != null && !InitWeights.load(initFrom, init, arena, System.err)) return 1;
            long c0 = System.nanoTime();
            Trainer trainer = new Trainer(g, trainable, init, settings, schedule, micro, runSeed, pool);
            long c1 = System.nanoTime();
            if (trainer.layout().parameterCount() == 0) throw new IllegalArgumentException("--freeze leaves no parameter to train");
            System.out.printf("%s: %,d parameters trained; %d kernels in the training step, compiled in %.1f s%n", name,
                    trainer.layout().parameterCount(), trainer.kernelCount(), (c1 - c0) / 1e9);
            System.out.printf("data: %s (%,d train and %,d validation tokens, vocabulary %d); %s; batch %d%n", dataFile,
                    corpus.train().length, corpus.val().length, objective.vocabulary(), objective.name(), batchSize);
            long start = 0;
            if (resume) {
                Checkpoint ck = TrainCheckpoint.read(dir, arena);
                String had = ck.metadata().get("strata.source_sha256");
                if (had != null && !had.equals(sourceHash))
                    throw new IllegalArgumentException(dir.resolve(TrainCheckpoint.FILE) + " was written by another version of " + file
                            + "; resuming would mix two models (start a new run with another --out)");
                start = TrainCheckpoint.restore(ck, trainer);
                System.out.println("resumed from " + dir.resolve(TrainCheckpoint.FILE) + " after step " + start);
            } else if (Files.exists(dir.resolve(TrainCheckpoint.FILE))) {
                throw new IllegalArgumentException(dir + " already holds a run; continue it with --resume or choose another --out");
            }
            Files.createDirectories(dir);
            TokenizerJson.save(corpus.tokenizer(), dir.resolve("tokenizer.json"));
            LossCurve log = new LossCurve(dir.resolve("loss.csv"), start);
            Progress progress = new Progress(System.out, start, total);
            if (profile) trainer.profile();
            double trainNanos = 0, lastVal = Double.NaN;
            for (long s = start; s < total; s++) {
                long t0 = System.nanoTime();
                Trainer.StepResult res = trainer.step(s, batches, micro);
                long t1 = System.nanoTime();
                trainNanos += t1 - t0;
                if (!Double.isFinite(res.loss()))
                    throw new IllegalStateException("the loss became " + res.loss() + " at step " + s + "; the last checkpoint in " + dir + " is intact (lower --lr?)");
                double tps = tokensPerStep * (s + 1 - start) / (trainNanos / 1e9);
                boolean last = s + 1 == total, eval = last || (every > 0 && (s + 1) % every == 0);
                double val = Double.NaN;
                if (eval) {
                    val = trainer.evaluate(batches, last ? finalBatches : Math.max(1, finalBatches / 10));
                    lastVal = val;
                    progress.line(String.format("step %d: train loss %.4f, val loss %.4f, lr %.2e", s + 1, res.loss(), val, res.lr()));
                }
                log.add(new LossCurve.Row(s, res.loss(), res.lr(), res.gradNorm(), val, tps));
                if (eval || (ckptEvery > 0 && (s + 1) % ckptEvery == 0)) {
                    log.flush();
                    TrainCheckpoint.save(dir, trainer, s + 1, meta);
                }
                progress.update(s + 1, String.format("loss %.4f  %,.0f tok/s", res.loss(), tps));
            }
            progress.finish();
            if (profile) {
                System.out.println("where the gradient program's time went (" + trainer.kernelCount() + " kernels per step):");
                for (var e : trainer.profileReport().subList(0, Math.min(25, trainer.profileReport().size())))
                    System.out.printf("  %-34s %9.1f ms  %5.1f%%%n", e.getKey(), e.getValue() / 1e6, 100.0 * e.getValue() / trainNanos);
            }
            log.flush();
            log.png(dir.resolve("loss.png"), name);
            if (sample > 0 && start < total && languageModel) GenerateCommand.sample(fe, r, Sets.parse(sets), trainer.parameters(), corpus.tokenizer(), "\n", sample, 0.8, 200, 1.0, runSeed, pool);
            System.out.println("checkpoint: " + dir.resolve(TrainCheckpoint.FILE) + "; log: " + dir.resolve("loss.csv") + ", " + dir.resolve("loss.png"));
            if (!Double.isNaN(lastVal)) System.out.printf("val_loss: %.4f%n", lastVal);
            System.out.printf("train_seconds: %.1f%n", trainNanos / 1e9);
            System.out.printf("tokens_per_s: %.0f%n", tokensPerStep * (total - start) / Math.max(trainNanos / 1e9, 1e-9));
            trainer.close();
        }
        return 0;
    }

    /** Language-model batches: the model's input and the loss's targets, the same windows shifted by one. */
    private static Batches languageModelBatches(TextDataset corpus, List<Op> ins, long runSeed, int batchSize, int block) {
        String x = ins.get(0).strAttr("name", ""), y = ins.get(1).strAttr("name", "");
        return new Batches() {
            @Override public Map<String, Tensor> train(long step, Arena a) {
                TextDataset.Batch b = corpus.batch(TextDataset.Split.TRAIN, runSeed, step, batchSize, block);
                return Map.of(x, b.x(a), y, b.y(a));
            }

            @Override public Map<String, Tensor> validation(long index, Arena a) {
                TextDataset.Batch b = corpus.batch(TextDataset.Split.VAL, runSeed, index, batchSize, block);
                return Map.of(x, b.x(a), y, b.y(a));
            }

            @Override public long tokensPerBatch() { return (long) batchSize * block; }
        };
    }

    /**
     * The default run directory: runs/NAME, or runs/NAME-2, -3, ... when earlier runs are there, so
     * running the same command again never touches an earlier run (with --resume, the latest one).
     */
    private Path freshRunDirectory(String name) {
        Path base = Path.of("runs", name), latest = null;
        for (int i = 1; ; i++) {
            Path p = i == 1 ? base : Path.of("runs", name + "-" + i);
            if (!Files.exists(p.resolve(TrainCheckpoint.FILE))) return resume && latest != null ? latest : p;
            latest = p;
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
