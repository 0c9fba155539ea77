package strata.compiler.llvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.compiler.kernel.KernelPrinter;

class CompileCacheTest {
    @TempDir Path dir;

    private static IrModule biasAdd() {
        IrModule m = new IrModule("cached");
        KernelCodegen.emit(m, KernelCodegenTest.broadcastAddKernel());
        m.optimize();
        return m;
    }

    @Test
    void anObjectFromTheCacheRunsLikeTheFreshlyCompiledKernel() throws Throwable {
        CompileCache cache = new CompileCache(dir);
        String key = CompileCache.key(KernelPrinter.print(KernelCodegenTest.broadcastAddKernel()));
        byte[] object = ObjectCode.emit(biasAdd());
        assertTrue(cache.put(key, object));
        byte[] back = cache.get(key).orElseThrow();
        assertArrayEquals(object, back);
        try (Jit jit = new Jit(); Arena a = Arena.ofConfined()) {
            jit.addObject(back);
            MethodHandle h = Linker.nativeLinker().downcallHandle(jit.lookup("bias_add"), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
            int n = 3, d = 5;
            MemorySegment x = a.allocate(JAVA_FLOAT, n * d), b = a.allocate(JAVA_FLOAT, d), out = a.allocate(JAVA_FLOAT, n * d);
            for (int i = 0; i < n * d; i++) x.setAtIndex(JAVA_FLOAT, i, i);
            for (int j = 0; j < d; j++) b.setAtIndex(JAVA_FLOAT, j, 100 * j);
            MemorySegment bufs = a.allocate(ADDRESS, 3), sizes = a.allocate(JAVA_LONG, 2);
            bufs.setAtIndex(ADDRESS, 0, x);
            bufs.setAtIndex(ADDRESS, 1, b);
            bufs.setAtIndex(ADDRESS, 2, out);
            sizes.setAtIndex(JAVA_LONG, 0, n);
            sizes.setAtIndex(JAVA_LONG, 1, d);
            h.invokeExact(bufs, sizes, 0L, (long) n);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) assertEquals(i * d + j + 100f * j, out.getAtIndex(JAVA_FLOAT, i * d + j));
        }
    }

    @Test
    void aDamagedEntryIsIgnoredNeverLoaded() throws Exception {
        CompileCache cache = new CompileCache(dir);
        byte[] object = ObjectCode.emit(biasAdd());
        cache.put("k", object);
        Path f = dir.resolve("k.o");
        byte[] raw = Files.readAllBytes(f);
        raw[raw.length - 7] ^= 0x5a;
        Files.write(f, raw);
        assertTrue(cache.get("k").isEmpty());
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(cache.get("k").isEmpty());
        assertTrue(cache.get("missing").isEmpty());
    }

    @Test
    void theKeyDependsOnTheKernelText() {
        assertNotEquals(CompileCache.key("kernel @a() {}"), CompileCache.key("kernel @b() {}"));
        assertEquals(CompileCache.key("kernel @a() {}"), CompileCache.key("kernel @a() {}"));
    }
}
