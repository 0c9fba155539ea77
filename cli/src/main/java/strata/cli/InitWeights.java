package strata.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.train.TrainCheckpoint;

/**
 * {@code strata train --init DIR}: a fresh run that starts from another run's weights (an import
 * from Hugging Face, or a finished run) instead of the model's initializers. Only the parameters
 * are taken; the optimizer starts from zero and the step from 0.
 */
final class InitWeights {
    private InitWeights() {}

    /**
     * Overwrites each initial parameter with the checkpoint's, which must hold every one, in its
     * shape, and nothing else; false, after saying why on {@code err}, when it does not.
     */
    static boolean load(Path dir, Map<String, Tensor> init, Arena arena, PrintStream err) {
        Checkpoint ck;
        try {
            ck = TrainCheckpoint.read(dir, arena);
        } catch (IOException e) {
            err.println("strata train: --init: " + e.getMessage());
            return false;
        }
        List<String> problems = new ArrayList<>();
        for (var e : init.entrySet()) {
            Tensor want = e.getValue(), have = ck.tensors().get(e.getKey());
            if (have == null) problems.add("missing: the model's `" + e.getKey() + "` " + want);
            else if (!Arrays.equals(have.shape(), want.shape())) problems.add("shape: `" + e.getKey() + "` is " + have + ", the model's is " + want);
            else want.data().copyFrom(ck.f32(e.getKey(), arena).data().asSlice(0, want.data().byteSize()));
        }
        for (String n : ck.tensors().keySet())
            if (!n.startsWith("optimizer.") && !init.containsKey(n)) problems.add("unused: `" + n + "` " + ck.tensor(n) + " is no parameter of the model");
        if (problems.isEmpty()) return true;
        err.println("strata train: --init " + dir.resolve(TrainCheckpoint.FILE) + " does not fit the model:\n  " + String.join("\n  ", problems));
        return false;
    }
}
