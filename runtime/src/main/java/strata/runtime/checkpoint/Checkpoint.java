package strata.runtime.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;

/** Named tensors and string metadata, as a safetensors file holds them. Iteration follows the file's order. */
public record Checkpoint(Map<String, Tensor> tensors, Map<String, String> metadata) {

    public Checkpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new NoSuchElementException("the checkpoint has no tensor `" + name + "` (it has " + tensors.keySet() + ")");
        return t;
    }

    /**
     * The tensor as f32, widening bf16 and f16 (published weights are often stored that way) into
     * new memory from {@code arena}; an f32 tensor is returned as it is. Both widenings are exact:
     * bf16 is the top half of an f32 bit pattern, and every IEEE binary16 value is an f32 value.
     */
    public Tensor f32(String name, Arena arena) {
        Tensor t = tensor(name);
        return switch (t.dtype()) {
            case F32 -> t;
            case BF16, F16 -> {
                Tensor out = Tensor.allocate(arena, DType.F32, t.shape());
                long n = t.numel();
                for (long i = 0; i < n; i++) {
                    short h = t.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
                    float f = t.dtype() == DType.BF16 ? Float.intBitsToFloat((h & 0xffff) << 16) : Float.float16ToFloat(h);
                    out.data().setAtIndex(ValueLayout.JAVA_FLOAT, i, f);
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("tensor `" + name + "` is " + t.dtype() + ", not a floating-point type");
        };
    }
}
