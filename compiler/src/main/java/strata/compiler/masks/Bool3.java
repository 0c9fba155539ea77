package strata.compiler.masks;

/** Kleene's three-valued logic: what a mask is over a set of cells, when it may differ among them. */
public enum Bool3 {
    FALSE, TRUE, UNKNOWN;

    public static Bool3 of(boolean b) { return b ? TRUE : FALSE; }

    public Bool3 and(Bool3 o) {
        if (this == FALSE || o == FALSE) return FALSE;
        return this == TRUE && o == TRUE ? TRUE : UNKNOWN;
    }

    public Bool3 or(Bool3 o) {
        if (this == TRUE || o == TRUE) return TRUE;
        return this == FALSE && o == FALSE ? FALSE : UNKNOWN;
    }

    public Bool3 not() {
        return this == UNKNOWN ? UNKNOWN : of(this == FALSE);
    }

    /** The least value covering both: equal values stay, different ones are unknown. */
    public Bool3 join(Bool3 o) { return this == o ? this : UNKNOWN; }
}
