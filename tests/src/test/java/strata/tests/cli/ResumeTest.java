package strata.tests.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.train.TrainCheckpoint;
import strata.tests.ModelFiles;

/**
 * A training run killed with SIGKILL at a random moment and resumed from its last checkpoint ends
 * with weights and optimizer state bit for bit equal to those of a run that was never stopped
 * (batches and dropout streams are functions of the seed and the step, and the kernels split
 * their work the same way every run).
 */
class ResumeTest {
    static final int STEPS = 24;

    static List<String> args(Path out) {
        return new ArrayList<>(List.of("train", ModelFiles.models().resolve("gpt2.strata").toString(), "--preset", "nanogpt-cpu",
                "--set", "layers=1", "--set", "d=32", "--set", "heads=2", "--set", "dropout_p=0.1",
                "--steps", Integer.toString(STEPS), "--batch", "4", "--eval-every", "8", "--eval-batches", "2", "--sample", "0",
                "--out", out.toString()));
    }

    @Test
    void aRunKilledAtARandomStepAndResumedEndsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        CliRun a = CliRun.of(args(whole).toArray(String[]::new));
        assertEquals(0, a.exitCode(), a.all());

        // the interrupted run: its own JVM, checkpointing every step, killed once it has saved a few
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        long stoppedAt = -1;
        Random rnd = new Random();
        for (int attempt = 0; attempt < 4 && stoppedAt < 0; attempt++) {
            deleteTree(killed);
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, "strata.cli.Main"));
            cmd.addAll(args(killed));
            cmd.addAll(List.of("--checkpoint-every", "1"));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!Files.exists(killed.resolve(TrainCheckpoint.FILE)) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(rnd.nextInt(150));
            child.destroyForcibly().waitFor();  // SIGKILL: no shutdown hooks, no flushing
            if (!Files.exists(killed.resolve(TrainCheckpoint.FILE))) continue;
            try (Arena arena = Arena.ofConfined()) {
                long step = Long.parseLong(TrainCheckpoint.read(killed, arena).metadata().get("strata.step"));
                if (step < STEPS) stoppedAt = step;
            }
        }
        assertTrue(stoppedAt >= 1, "the child was never killed mid-run: " + Files.readString(tmp.resolve("child.log")));

        List<String> resume = args(killed);
        resume.add("--resume");
        CliRun b = CliRun.of(resume.toArray(String[]::new));
        assertEquals(0, b.exitCode(), b.all());
        assertTrue(b.out().contains("after step " + stoppedAt), b.out());

        try (Arena arena = Arena.ofConfined()) {
            Checkpoint x = TrainCheckpoint.read(whole, arena), y = TrainCheckpoint.read(killed, arena);
            assertEquals(x.tensors().keySet(), y.tensors().keySet());
            assertEquals(Integer.toString(STEPS), y.metadata().get("strata.step"));
            for (String name : x.tensors().keySet()) {
                Tensor p = x.tensor(name), q = y.tensor(name);
                assertArrayEquals(p.data().toArray(ValueLayout.JAVA_BYTE), q.data().toArray(ValueLayout.JAVA_BYTE),
                        name + " differs after resuming at step " + stoppedAt);
            }
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
