package strata.runtime.json;

/** Text that is not JSON, with where: the character offset and its 1-based line and column. */
public final class JsonException extends IllegalArgumentException {
    private final int offset, line, column;

    public JsonException(String message, int offset, int line, int column) {
        super("line " + line + ", column " + column + ": " + message);
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    public int offset() { return offset; }

    public int line() { return line; }

    public int column() { return column; }
}
