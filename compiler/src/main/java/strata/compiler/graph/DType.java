package strata.compiler.graph;

/** Element types of the graph dialect. */
public enum DType {
    F32("f32", 4), BF16("bf16", 2), F16("f16", 2), I32("i32", 4), I64("i64", 8), BOOL("bool", 1);

    private final String mnemonic;
    private final int bytes;

    DType(String mnemonic, int bytes) {
        this.mnemonic = mnemonic;
        this.bytes = bytes;
    }

    public String mnemonic() { return mnemonic; }

    public int bytes() { return bytes; }

    public boolean isFloat() { return this == F32 || this == BF16 || this == F16; }

    public boolean isInteger() { return this == I32 || this == I64; }

    public static DType parse(String s) {
        for (DType t : values()) if (t.mnemonic.equals(s)) return t;
        throw new IllegalArgumentException("unknown dtype `" + s + "` (expected f32, bf16, f16, i32, i64 or bool)");
    }

    @Override public String toString() { return mnemonic; }
}
