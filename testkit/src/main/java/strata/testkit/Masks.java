package strata.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.grammar.Diagnostics;
import strata.grammar.Program;
import strata.grammar.ProgramLoader;
import strata.grammar.SourceFiles;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Expr;
import strata.grammar.ast.Member;
import strata.grammar.ast.Param;
import strata.grammar.ast.Stmt;
import strata.grammar.ast.TypeRef;

/**
 * A mask from a Strata expression in one line: {@code Masks.of("causal and padding(len)")}.
 * The expression is put in a one-attention model over the mask library ({@code import masks},
 * which holds the prelude's masks too) and elaborated, so it is checked as a model's mask is.
 * A name passed as a mask's data ({@code len} above) becomes a model input of the type the
 * mask declares for it ({@code len: i32[B]}), and names the mask's data.
 */
public final class Masks {
    private static final String MODEL = "MaskOf";

    private Masks() {}

    /** A mask of the library's masks and combinators. */
    public static Mask of(String expr) { return build("<mask>.strata", "import masks\n", expr); }

    /** A mask over the user's own definitions ({@code mask name(data)(b, h, q, k) = ...}) and the library's. */
    public static Mask define(String definitions, String expr) {
        return build("<mask>.strata", "import masks\n" + definitions + "\n", expr);
    }

    /**
     * A mask over the definitions of a file (and what it imports). A bare name of a mask with
     * data is called with its data parameters' own names: {@code of(file, "padding")} is
     * {@code padding(len)}.
     */
    public static Mask of(Path file, String expr) {
        if (!Files.isRegularFile(file)) throw new UncheckedIOException(new IOException("no file " + file));
        Path wrapper = file.toAbsolutePath().resolveSibling("<mask-of-" + file.getFileName() + ">");
        String header = "import masks\nimport \"" + file.getFileName() + "\"\n";
        return build(wrapper.toString(), header, expr);
    }

    private static Mask build(String name, String header, String expr) {
        Program parsed = parse(name, text(header, Map.of(), expr));
        if (parsed.decls().get(expr.strip()) instanceof Decl.MaskDef md && !md.data().isEmpty() && md.data().stream().allMatch(p -> p.type() instanceof TypeRef.Tensor || p.dflt() != null))
            expr = md.name() + "(" + String.join(", ", md.data().stream().filter(p -> p.type() instanceof TypeRef.Tensor).map(Param::name).toList()) + ")";
        Map<String, String> inputs = new LinkedHashMap<>();
        dataOf(maskExpr(parse(name, text(header, Map.of(), expr))), parsed, inputs);
        List<Mask> masks = StrataModels.fromText(name, text(header, inputs, expr)).masks();
        Mask m = masks.getFirst();
        return new Mask(expr, m.region(), m.heads(), m.selfAttention(), m.data());
    }

    private static String text(String header, Map<String, String> inputs, String expr) {
        StringBuilder sb = new StringBuilder(header).append("model ").append(MODEL).append(" {\n  input x: f32[B, T, 4]\n");
        inputs.forEach((n, t) -> sb.append("  input ").append(n).append(": ").append(t).append('\n'));
        sb.append("  forward {\n    q = split_heads(x, 1)\n    return attention(q, q, q, mask = ").append(expr).append(", empty = zeros)\n  }\n}\n");
        return sb.toString();
    }

    private static Program parse(String name, String text) {
        Diagnostics d = new Diagnostics();
        SourceFiles src = new SourceFiles();
        Program p = new ProgramLoader(d, src).loadText(name, text);
        StrataModels.reject("the mask", d, src);
        return p;
    }

    private static Expr maskExpr(Program p) {
        Decl.Component model = (Decl.Component) p.main().decls().stream().filter(x -> x.name().equals(MODEL)).findFirst().orElseThrow();
        for (Member m : model.members())
            if (m instanceof Member.Forward f && f.body().getLast() instanceof Stmt.Return r && r.values().getFirst() instanceof Expr.Call c)
                for (Expr.Arg a : c.args()) if ("mask".equals(a.name())) return a.value();
        throw new IllegalStateException("no mask in the wrapper model");
    }

    /** The names the expression passes as data to masks, with the tensor types those masks declare. */
    private static void dataOf(Expr e, Program p, Map<String, String> out) {
        switch (e) {
            case Expr.Binary b -> { dataOf(b.left(), p, out); dataOf(b.right(), p, out); }
            case Expr.Unary u -> dataOf(u.operand(), p, out);
            case Expr.Call c -> {
                List<Param> params = c.callee() instanceof Expr.Name n && p.decls().get(n.name()) instanceof Decl.MaskDef md ? md.data() : List.of();
                for (int i = 0; i < c.args().size(); i++) {
                    Expr.Arg a = c.args().get(i);
                    Param param = a.name() == null ? (i < params.size() ? params.get(i) : null)
                            : params.stream().filter(x -> x.name().equals(a.name())).findFirst().orElse(null);
                    if (a.value() instanceof Expr.Name v && param != null && param.type() instanceof TypeRef.Tensor t)
                        out.putIfAbsent(v.name(), type(t));
                    else dataOf(a.value(), p, out);
                }
            }
            default -> {}
        }
    }

    private static String type(TypeRef.Tensor t) {
        return t.dtype() + "[" + String.join(", ", t.dims().stream().map(d -> switch (d) {
            case TypeRef.Rest r -> "..";
            case TypeRef.DimExpr x when x.expr() instanceof Expr.Name n -> n.name();
            case TypeRef.DimExpr x when x.expr() instanceof Expr.IntLit i -> Long.toString(i.value());
            case TypeRef.DimExpr x -> throw new IllegalArgumentException("cannot declare data of type with axis at " + x.span());
        }).toList()) + "]";
    }
}
