package strata.compiler.llvm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Compiled kernels on disk, so that a second run of the same model does not wait for LLVM. An
 * entry is an object file keyed by a SHA-256 of the kernels' IR text, the target (triple, CPU
 * name and features) and this code generator's version. Entries are written to a temporary file
 * and renamed, carry their own length and digest, and one that fails its check is ignored (and
 * recompiled), never handed to the JIT.
 */
public final class CompileCache {
    /** Bump when code generation changes what the same kernel text compiles to. */
    static final String FORMAT = "strata-kernels-2";
    private static final byte[] MAGIC = "STRATAO1".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;

    public CompileCache(Path dir) { this.dir = dir; }

    /** {@code $STRATA_CACHE}, else {@code ~/.cache/strata/kernels}. */
    public static CompileCache defaultCache() {
        String env = System.getenv("STRATA_CACHE");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "strata", "kernels");
        return new CompileCache(dir);
    }

    public Path dir() { return dir; }

    /** The key of a program: its kernels' text, compiled for this CPU by this generator. */
    public static String key(String kernelText) {
        int[] major = new int[1], minor = new int[1], patch = new int[1];
        org.bytedeco.llvm.global.LLVM.LLVMGetVersion(major, minor, patch);
        String target = Llvm.triple() + "\n" + Llvm.cpu() + "\n" + Llvm.features() + "\nLLVM " + major[0] + "." + minor[0] + "." + patch[0];
        return HexFormat.of().formatHex(sha256((FORMAT + "\n" + target + "\n" + kernelText).getBytes(StandardCharsets.UTF_8)));
    }

    /** The object file stored under the key, if it is there and intact. */
    public Optional<byte[]> get(String key) {
        Path f = dir.resolve(key + ".o");
        byte[] raw;
        try {
            raw = Files.readAllBytes(f);
        } catch (IOException e) {
            return Optional.empty();
        }
        int head = MAGIC.length + Long.BYTES + 32;
        if (raw.length < head) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(raw);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        long len = b.getLong();
        byte[] digest = new byte[32];
        b.get(digest);
        if (!java.util.Arrays.equals(magic, MAGIC) || len != raw.length - head) return Optional.empty();
        byte[] object = java.util.Arrays.copyOfRange(raw, head, raw.length);
        return MessageDigest.isEqual(digest, sha256(object)) ? Optional.of(object) : Optional.empty();
    }

    /** Stores an object file; a failure to write only costs a recompile later, so it is not an error. */
    public boolean put(String key, byte[] object) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length + Long.BYTES + 32 + object.length);
            b.put(MAGIC).putLong(object.length).put(sha256(object)).put(object);
            Files.write(tmp, b.array());
            try {
                Files.move(tmp, dir.resolve(key + ".o"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(key + ".o"), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
