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
        Listener listener = new Listener(file, parser);
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        parser.removeErrorListeners();
        parser.addErrorListener(listener);
        StrataParser.FileContext tree = parser.file();
        listener.errors.forEach(diagnostics::add);
        if (!listener.errors.isEmpty()) return new SourceFile(file, List.of(), List.of());
        return new AstBuilder(file).file(tree);
    }

    /** Rewrites ANTLR's messages into ones that say what was found and what may come there. */
    private static final class Listener extends BaseErrorListener {
        private final String file;
        private final StrataParser parser;
        final List<Diagnostic> errors = new ArrayList<>();

        Listener(String file, StrataParser parser) {
            this.file = file;
            this.parser = parser;
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col, String msg, RecognitionException e) {
            if (errors.size() >= 20) return;
            if (offending instanceof Token t) {
                String text = t.getType() == Token.EOF ? "end of file" : t.getType() == StrataLexer.NL ? "end of line" : "`" + t.getText() + "`";
                int len = t.getType() == Token.EOF || t.getText() == null ? 1 : Math.max(1, t.getText().length());
                if (t.getType() == StrataLexer.NL) len = 1;
                Span span = new Span(file, line, col + 1, line, col + len);
                String expected = expected(e, recognizer);
                String message = "unexpected " + text + (expected == null ? "" : "; expected " + expected);
                errors.add(Diagnostic.error(span, message, hint(t, expected)));
            } else {
                Span span = new Span(file, line, col + 1, line, col + 1);
                errors.add(Diagnostic.error(span, msg.replace("token recognition error at: ", "unexpected character ")));
            }
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

        private static String hint(Token t, String expected) {
            if (t.getType() == StrataLexer.NL && expected != null && expected.contains("')'")) return "is a `)` missing?";
            if ("=".equals(t.getText())) return "a comparison is written `==`";
            if (t.getText() != null && t.getText().equals("}") && expected != null) return "the block above is not finished";
            return null;
        }
    }
}
