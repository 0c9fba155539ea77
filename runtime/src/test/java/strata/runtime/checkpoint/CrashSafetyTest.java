package strata.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL while it rewrites a checkpoint leaves the previous or the next
 * complete version behind, never a partial one. The child is a separate JVM, so the kill interrupts
 * real file writes at whatever point they have reached.
 */
class CrashSafetyTest {
    @TempDir Path dir;

    @Test
    void aCheckpointKilledMidRewriteReadsBackAsOneCompleteVersion() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Path expectedDir = Files.createDirectory(dir.resolve("expected"));
        Random random = new Random(20261125);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        long next = 0, lastSeen = -1;
        int kills = 0, midWrite = 0;
        while (kills < 20 && (kills < 5 || midWrite < 3)) {
            Process child = new ProcessBuilder(java, "-cp", classpath, CheckpointRewriter.class.getName(), target.toString(), Long.toString(next))
                    .redirectErrorStream(true).start();
            AtomicLong lastReported = new AtomicLong(-1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                    for (String line; (line = r.readLine()) != null; )
                        if (line.startsWith("wrote ")) lastReported.set(Long.parseLong(line.substring(6)));
                } catch (IOException ignored) { /* the pipe closes when the child dies */ }
            });
            // Each round waits for the child to finish one version (the JVM's start takes longer than a
            // write), then kills it a random few milliseconds into the versions that follow.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lastReported.get() < next && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(1);
            assertTrue(child.isAlive(), "the rewriter died by itself");
            Thread.sleep(random.nextInt(60));
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join(5_000);
            kills++;

            List<Path> leftovers;
            try (var files = Files.list(dir)) {
                leftovers = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            }
            if (!leftovers.isEmpty()) midWrite++;
            for (Path p : leftovers) Files.delete(p);

            byte[] found = Files.readAllBytes(target);
            long version;
            try {
                version = Long.parseLong(IndependentSafetensorsReader.read(target).metadata().get("version"));
            } catch (RuntimeException partial) {
                throw new AssertionError("kill " + kills + ": the checkpoint (" + found.length + " bytes) is not a complete file", partial);
            }
            long attempted = Math.max(next, lastReported.get() + 1); // the child may die between the rename and its report
            assertTrue(version >= lastSeen && version <= attempted,
                    "kill " + kills + ": found version " + version + ", expected one in [" + lastSeen + ", " + attempted + "]");
            Path expected = expectedDir.resolve("v" + version + ".safetensors");
            CheckpointRewriter.writeVersion(expected, version);
            assertArrayEquals(sha256(Files.readAllBytes(expected)), sha256(found), "kill " + kills + ": version " + version + " is not complete");
            lastSeen = version;
            next = version + 1;
        }
        assertTrue(midWrite >= 1, "no kill landed during a write in " + kills + " kills, so nothing was tested");
        System.out.println("crash safety: " + kills + " kills, " + midWrite + " during a write, last version " + lastSeen);
    }

    private static byte[] sha256(byte[] b) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
