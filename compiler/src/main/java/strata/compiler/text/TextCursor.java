package strata.compiler.text;

/**
 * The scanning that every textual IR shares: a position in the text, blanks and {@code //}
 * comments skipped, punctuation and keywords expected, and errors placed at a line and column.
 * Each dialect's parser extends it and names its own error type.
 */
public abstract class TextCursor {
    protected final String src;
    protected int pos;

    protected TextCursor(String src) { this.src = src; }

    /** The dialect's syntax error at an offset of the text. */
    protected abstract TextSyntaxError error(int line, int column, String reason);

    protected final TextSyntaxError error(int at, String reason) {
        int line = 1, col = 1;
        for (int i = 0; i < at && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
                col = 1;
            } else col++;
        }
        return error(line, col, reason);
    }

    /** Skips blanks and comments; returns the new position. */
    protected final int skip() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (Character.isWhitespace(c)) pos++;
            else if (src.startsWith("//", pos)) {
                int nl = src.indexOf('\n', pos);
                pos = nl < 0 ? src.length() : nl + 1;
            } else break;
        }
        return pos;
    }

    protected final char peek() {
        skip();
        return pos < src.length() ? src.charAt(pos) : '\0';
    }

    protected final boolean accept(char c) {
        if (peek() != c) return false;
        pos++;
        return true;
    }

    protected final void expect(char c) {
        int at = skip();
        if (!accept(c)) throw error(at, "expected `" + c + "`" + found());
    }

    protected final boolean identChar(int i) {
        return i < src.length() && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_');
    }

    protected final boolean atKeyword(String k) {
        skip();
        return src.startsWith(k, pos) && !identChar(pos + k.length());
    }

    protected final void keyword(String k) {
        int at = skip();
        if (!atKeyword(k)) throw error(at, "expected `" + k + "`" + found());
        pos += k.length();
    }

    /**
     * A run of letters, digits, '_' and the {@code extra} characters at the cursor (after blanks);
     * fails naming {@code what} when it is empty, or starts with a digit and {@code letterFirst}.
     */
    protected final String scan(String extra, String what, boolean letterFirst) {
        int at = skip();
        int end = pos;
        while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_' || extra.indexOf(src.charAt(end)) >= 0)) end++;
        if (end == pos || letterFirst && Character.isDigit(src.charAt(pos))) throw error(at, "expected " + what + found());
        String w = src.substring(pos, end);
        pos = end;
        return w;
    }

    /** ", found `next token`", for error messages. */
    protected final String found() {
        if (pos >= src.length()) return ", found the end of the text";
        int end = pos + 1;
        while (end < src.length() && end < pos + 12 && !Character.isWhitespace(src.charAt(end))) end++;
        return ", found `" + src.substring(pos, end) + "`";
    }
}
