package strata.grammar;

import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import strata.grammar.ast.SourceFile;

/** Parses Strata source text into an AST; syntax errors become diagnostics, several per file. */
public final class SourceParser {
    private SourceParser() {}

    public static SourceFile parse(String file, String text, Diagnostics diagnostics) {
        StrataLexer lexer = new StrataLexer(CharStreams.fromString(text, file));
        StrataParser parser = new StrataParser(new CommonTokenStream(lexer));
        Listener listener = new Listener(file, text, parser);
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        parser.removeErrorListeners();
        parser.addErrorListener(listener);
        StrataParser.FileContext tree = parser.file();
        listener.errors.forEach(diagnostics::add);
        if (!listener.errors.isEmpty()) return new SourceFile(file, List.of(), List.of());
        AstBuilder builder = new AstBuilder(file);
        SourceFile ast = builder.file(tree);
        builder.errors.forEach(diagnostics::add);
        return builder.errors.isEmpty() ? ast : new SourceFile(file, List.of(), List.of());
    }

    /** Rewrites ANTLR's messages into ones that say what was found and what may come there. */
    private static final class Listener extends BaseErrorListener {
        private final String file;
        private final String text;
        private final StrataParser parser;
        final List<Diagnostic> errors = new ArrayList<>();

        Listener(String file, String text, StrataParser parser) {
            this.file = file;
            this.text = text;
            this.parser = parser;
        }

        /** Where the first lexical error is; parse errors after it are its echoes and are dropped. */
        private int lexLine = Integer.MAX_VALUE, lexCol;

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col, String msg, RecognitionException e) {
            if (errors.size() >= 20) return;
            if (offending instanceof Token t) {
                if (t.getLine() > lexLine || t.getLine() == lexLine && t.getCharPositionInLine() >= lexCol) return;
                errors.add(parseError(t, expected(e, recognizer)));
            } else {
                errors.add(lexicalError(line, col, msg));
            }
        }

        private Diagnostic parseError(Token t, String expected) {
            String text = t.getType() == Token.EOF ? "end of file" : t.getType() == StrataLexer.NL ? "end of line" : "`" + t.getText() + "`";
            int len = t.getType() == Token.EOF || t.getType() == StrataLexer.NL || t.getText() == null ? 1 : Math.max(1, t.getText().length());
            Span span = new Span(file, t.getLine(), t.getCharPositionInLine() + 1, t.getLine(), t.getCharPositionInLine() + len);
            Token prev = previous(t);
            if (t.getType() == Token.EOF) {
                Span end = prev == null ? span : after(prev);
                Token open = unclosedBrace();
                if (open != null)
                    return Diagnostic.error(end, "unexpected end of file: a `}` is missing",
                            "the `{` on line " + open.getLine() + " is never closed");
                return Diagnostic.error(end, "unexpected end of file" + (expected == null ? "" : "; expected " + expected));
            }
            // newlines inside (...) are skipped, so a missing `)` shows up on a later line: point at where it belongs
            if (prev != null && prev.getLine() < t.getLine() && expected != null && (expected.contains("')'") || expected.contains("']'"))) {
                String closer = expected.contains("')'") ? ")" : "]";
                return Diagnostic.error(after(prev), "expected " + expected + " after this, but line " + t.getLine() + " begins with " + text,
                        "is a `" + closer + "` missing?");
            }
            if (prev != null && t.getText() != null && t.getText().startsWith(".") && isNumber(prev) && adjacent(prev, t))
                return Diagnostic.error(new Span(file, prev.getLine(), prev.getCharPositionInLine() + 1, t.getLine(), span.endCol()),
                        "malformed number `" + prev.getText() + t.getText() + "`", "a number has at most one decimal point");
            String message = "unexpected " + text + (expected == null ? "" : "; expected " + expected);
            return Diagnostic.error(span, message, hint(t, prev, expected));
        }

        private Diagnostic lexicalError(int line, int col, String msg) {
            String at = msg.replace("token recognition error at: ", "");
            if (line < lexLine) {
                lexLine = line;
                lexCol = col;
            }
            if (at.startsWith("'\"")) {
                String[] lines = text.split("\r?\n|\r", -1);
                int end = line - 1 < lines.length ? Math.max(col + 1, lines[line - 1].length()) : col + 1;
                return Diagnostic.error(new Span(file, line, col + 1, line, end), "unterminated string",
                        "close it with `\"` on the same line");
            }
            return Diagnostic.error(new Span(file, line, col + 1, line, col + 1), "unexpected character " + at);
        }

        private Token previous(Token t) {
            var tokens = (org.antlr.v4.runtime.BufferedTokenStream) parser.getInputStream();
            for (int i = t.getTokenIndex() - 1; i >= 0; i--) {
                Token p = tokens.get(i);
                if (p.getChannel() == Token.DEFAULT_CHANNEL && p.getType() != StrataLexer.NL) return p;
            }
            return null;
        }

        /** The innermost `{` that no `}` closes, or null. */
        private Token unclosedBrace() {
            var tokens = (org.antlr.v4.runtime.BufferedTokenStream) parser.getInputStream();
            java.util.ArrayDeque<Token> open = new java.util.ArrayDeque<>();
            for (Token x : tokens.getTokens()) {
                if ("{".equals(x.getText())) open.push(x);
                else if ("}".equals(x.getText()) && !open.isEmpty()) open.pop();
            }
            return open.peek();
        }

        private Span after(Token p) {
            int c = p.getCharPositionInLine() + (p.getText() == null ? 1 : p.getText().length()) + 1;
            return new Span(file, p.getLine(), c, p.getLine(), c);
        }

        private static boolean isNumber(Token t) { return t.getType() == StrataLexer.FLOAT || t.getType() == StrataLexer.INT; }

        private static boolean adjacent(Token a, Token b) {
            return a.getLine() == b.getLine() && a.getCharPositionInLine() + a.getText().length() == b.getCharPositionInLine();
        }

        private String expected(RecognitionException e, Recognizer<?, ?> r) {
            IntervalSet set;
            try {
                set = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
            } catch (RuntimeException ex) {
                return null;
            }
            if (set == null || set.isNil()) return null;
            List<String> names = new ArrayList<>();
            for (int t : set.toList()) {
                String n = r.getVocabulary().getDisplayName(t);
                if (n.equals("NL")) n = "a new line";
                else if (n.equals("ID")) n = "a name";
                else if (n.equals("INT") || n.equals("FLOAT")) n = "a number";
                else if (n.equals("DTYPE")) n = "a dtype";
                else if (n.equals("<EOF>")) n = "end of file";
                else if (n.equals("STRING")) n = "a string";
                if (!names.contains(n)) names.add(n);
            }
            if (names.size() > 6) return null;
            return String.join(", ", names);
        }

        private static final java.util.Set<String> OPERATORS = java.util.Set.of("+", "-", "*", "/", "%", "@", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or");

        private static String hint(Token t, Token prev, String expected) {
            if (t.getType() == StrataLexer.NL && expected != null && expected.contains("')'")) return "is a `)` missing?";
            if (prev != null && OPERATORS.contains(prev.getText()) && prev.getLine() < t.getLine())
                return "`" + prev.getText() + "` at the end of line " + prev.getLine() + " needs an operand after it";
            if (OPERATORS.contains(t.getText()) && prev != null && (OPERATORS.contains(prev.getText()) || "=".equals(prev.getText())))
                return "`" + t.getText() + "` needs an operand on its left";
            if ("=".equals(t.getText())) return "a comparison is written `==`";
            if (t.getText() != null && t.getText().equals("}") && expected != null) return "the block above is not finished";
            return null;
        }
    }
}
