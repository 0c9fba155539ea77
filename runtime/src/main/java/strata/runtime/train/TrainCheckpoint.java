package strata.runtime.train;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.Safetensors;

/**
 * A training run's state in one safetensors file ({@code checkpoint.safetensors} in the run's
 * directory): every parameter under its model name, Adam's moments under {@code optimizer.m.NAME}
 * and {@code optimizer.v.NAME}, and in the metadata the step, the optimizer's update count and
 * whatever the caller adds (the model source's hash, preset, seed). Written through a temporary
 * file and an atomic rename, so a process killed while saving leaves the previous checkpoint.
 * The batches and the dropout streams are functions of (seed, step), so the step is the whole
 * random state.
 */
public final class TrainCheckpoint {
    private TrainCheckpoint() {}

    public static final String FILE = "checkpoint.safetensors";

    /** Saves after {@code stepsDone} updates. */
    public static void save(Path dir, Trainer trainer, long stepsDone, Map<String, String> metadata) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>(trainer.parameters());
        FlatParams layout = trainer.layout();
        for (var e : trainer.optimizer().state().entrySet())
            for (String name : layout.names()) tensors.put("optimizer." + e.getKey() + "." + name, layout.view(e.getValue(), name));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("strata.step", Long.toString(stepsDone));
        meta.put("strata.optimizer_steps", Long.toString(trainer.optimizer().steps()));
        Safetensors.write(dir.resolve(FILE), tensors, meta);
    }

    /** Reads a run's checkpoint (copied into {@code arena}). */
    public static Checkpoint read(Path dir, Arena arena) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) throw new java.nio.file.NoSuchFileException(f.toString(), null, "no checkpoint to resume from");
        return Safetensors.read(f, arena, Safetensors.Load.COPIED);
    }

    /** Puts a checkpoint's parameters and optimizer state into a trainer; returns the steps it had done. */
    public static long restore(Checkpoint c, Trainer trainer) {
        Map<String, Tensor> params = trainer.parameters();
        for (var e : params.entrySet()) copy(c.tensor(e.getKey()), e.getValue(), e.getKey());
        FlatParams layout = trainer.layout();
        for (var e : trainer.optimizer().state().entrySet())
            for (String name : layout.names()) copy(c.tensor("optimizer." + e.getKey() + "." + name), layout.view(e.getValue(), name), "optimizer state of " + name);
        trainer.optimizer().restoreSteps(Long.parseLong(c.metadata().getOrDefault("strata.optimizer_steps", "0")));
        return Long.parseLong(c.metadata().getOrDefault("strata.step", "0"));
    }

    private static void copy(Tensor from, Tensor to, String what) {
        if (from.dtype() != to.dtype() || !java.util.Arrays.equals(from.shape(), to.shape()))
            throw new IllegalArgumentException("the checkpoint's " + what + " is " + from + " but the model's is " + to
                    + "; was it written by another model or preset?");
        to.data().copyFrom(from.data().asSlice(0, to.data().byteSize()));
    }
}
