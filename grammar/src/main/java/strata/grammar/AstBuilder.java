package strata.grammar;

import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import strata.grammar.StrataParser.*;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Expr;
import strata.grammar.ast.Member;
import strata.grammar.ast.Param;
import strata.grammar.ast.SourceFile;
import strata.grammar.ast.Stmt;
import strata.grammar.ast.TypeRef;

/** Turns ANTLR's parse tree into the AST, attaching a source span to every node. */
final class AstBuilder {
    private final String file;
    /** Problems the grammar lets through but the AST cannot hold, such as an integer past 64 bits. */
    final List<Diagnostic> errors = new ArrayList<>();

    AstBuilder(String file) { this.file = file; }

    Span span(ParserRuleContext c) {
        Token a = c.getStart(), b = c.getStop() == null ? c.getStart() : c.getStop();
        int endCol = b.getCharPositionInLine() + Math.max(1, b.getText() == null ? 1 : b.getText().length());
        return new Span(file, a.getLine(), a.getCharPositionInLine() + 1, b.getLine(), endCol);
    }

    SourceFile file(FileContext c) {
        List<SourceFile.Import> imports = new ArrayList<>();
        for (ImportDeclContext i : c.importDecl()) {
            if (i.STRING() != null) imports.add(new SourceFile.Import(span(i), unquote(i.STRING().getText()), true));
            else imports.add(new SourceFile.Import(span(i), i.qualName().getText(), false));
        }
        List<Decl> decls = new ArrayList<>();
        for (TopDeclContext t : c.topDecl()) {
            Decl d = topDecl(t);
            if (d != null) decls.add(d);
        }
        return new SourceFile(file, imports, decls);
    }

    private Decl topDecl(TopDeclContext t) {
        if (t.component() != null) return component(t.component());
        if (t.fnDecl() != null) return fn(t.fnDecl());
        if (t.maskDecl() != null) return mask(t.maskDecl());
        if (t.scoreDecl() != null) return score(t.scoreDecl());
        if (t.constDecl() != null) return new Decl.Const(span(t.constDecl()), t.constDecl().ident().getText(), expr(t.constDecl().expr()));
        return null;
    }

    private Decl.Component component(ComponentContext c) {
        List<Member> members = new ArrayList<>();
        for (MemberContext m : c.compBody().member()) {
            Member x = member(m);
            if (x != null) members.add(x);
        }
        List<Expr.Arg> parentArgs = c.args() == null ? List.of() : args(c.args());
        return new Decl.Component(span(c), c.kind.getText().equals("model"), c.name.getText(),
                c.params() == null ? null : params(c.params()), c.parent == null ? null : c.parent.getText(), parentArgs, members);
    }

    private Member member(MemberContext m) {
        Span s = span(m);
        return switch (m) {
            case HyperMemberContext h -> new Member.Hyper(s, h.ident().getText(), h.typeRef() == null ? null : type(h.typeRef()), expr(h.expr()));
            case PresetMemberContext p -> {
                List<Member.Entry> es = new ArrayList<>(), train = new ArrayList<>();
                for (PresetItemContext item : p.presetItem()) {
                    if (item.presetEntry() != null) es.add(entry(item.presetEntry()));
                    else train.addAll(entries(item.trainBlock()));
                }
                yield new Member.Preset(s, p.presetName(0).getText(), p.presetName().size() > 1 ? p.presetName(1).getText() : null, es, train);
            }
            case TrainMemberContext t -> new Member.Train(s, entries(t.trainBlock()));
            case InputMemberContext i -> new Member.Input(s, i.ident().getText(), type(i.typeRef()), i.expr() == null ? null : expr(i.expr()));
            case ParamMemberContext p -> new Member.ParamDecl(s, p.ident().getText(), type(p.typeRef()),
                    p.init == null ? null : expr(p.init), p.cond == null ? null : expr(p.cond));
            case SlotMemberContext sl -> new Member.Slot(s, sl.ident().getText(), params(sl.params()), type(sl.typeRef()), expr(sl.expr()));
            case RequiresMemberContext r -> new Member.Requires(s, expr(r.expr()));
            case ForwardMemberContext f -> new Member.Forward(s, f.params() == null ? null : params(f.params()),
                    f.typeRef() == null ? null : type(f.typeRef()), f.block() != null ? block(f.block()) : exprBody(f.expr()));
            case FnMemberContext f -> new Member.FnMember(s, fn(f.fnDecl()));
            case LossMemberContext l -> new Member.Loss(s, new Decl.Fn(s, l.ident().getText(), params(l.params()),
                    l.typeRef() == null ? null : type(l.typeRef()), l.block() != null ? block(l.block()) : exprBody(l.expr())));
            case MaskMemberContext mm -> new Member.MaskMember(s, mask(mm.maskDecl()));
            case ScoreMemberContext sm -> new Member.MaskMember(s, score(sm.scoreDecl()));
            case BindMemberContext b -> new Member.Bind(s, b.ident().getText(), expr(b.expr()));
            default -> null;
        };
    }

    private Member.Entry entry(PresetEntryContext e) {
        return new Member.Entry(span(e), e.ident().getText(), expr(e.expr()));
    }

    private List<Member.Entry> entries(TrainBlockContext t) {
        List<Member.Entry> out = new ArrayList<>();
        for (PresetEntryContext e : t.presetEntry()) out.add(entry(e));
        return out;
    }

    private Decl.Fn fn(FnDeclContext f) {
        return new Decl.Fn(span(f), f.ident().getText(), params(f.params()), f.typeRef() == null ? null : type(f.typeRef()),
                f.block() != null ? block(f.block()) : exprBody(f.expr()));
    }

    private Decl.MaskDef mask(MaskDeclContext m) {
        return new Decl.MaskDef(span(m), false, m.ident().getText(), m.data == null ? List.of() : params(m.data), idx(m.idx), expr(m.expr()));
    }

    private Decl.MaskDef score(ScoreDeclContext m) {
        return new Decl.MaskDef(span(m), true, m.ident().getText(), m.data == null ? List.of() : params(m.data), idx(m.idx), expr(m.expr()));
    }

    private List<String> idx(IdxParamsContext c) {
        List<String> out = new ArrayList<>();
        for (IdentContext i : c.ident()) out.add(i.getText());
        return out;
    }

    private List<Stmt> exprBody(ExprContext e) {
        Expr x = expr(e);
        return List.of(new Stmt.Return(x.span(), List.of(x)));
    }

    private List<Param> params(ParamsContext c) {
        List<Param> out = new ArrayList<>();
        for (ParamContext p : c.param())
            out.add(new Param(span(p), p.ident().getText(), p.typeRef() == null ? null : type(p.typeRef()), p.expr() == null ? null : expr(p.expr())));
        return out;
    }

    TypeRef type(TypeRefContext t) {
        return switch (t) {
            case TensorTypeContext tt -> {
                List<TypeRef.DimRef> dims = new ArrayList<>();
                for (DimContext d : tt.dim())
                    dims.add(d instanceof RestDimContext ? new TypeRef.Rest(span(d)) : new TypeRef.DimExpr(span(d), expr(((ExprDimContext) d).expr())));
                yield new TypeRef.Tensor(span(t), tt.DTYPE().getText(), dims);
            }
            case ScalarTypeContext st -> new TypeRef.Scalar(span(t), st.DTYPE().getText());
            case NamedTypeContext nt -> new TypeRef.Named(span(t), nt.getText());
            default -> throw new IllegalStateException(t.getClass().getName());
        };
    }

    private List<Stmt> block(BlockContext b) {
        List<Stmt> out = new ArrayList<>();
        for (StmtContext s : b.stmt()) {
            Stmt x = stmt(s);
            if (x != null) out.add(x);
        }
        return out;
    }

    private Stmt stmt(StmtContext s) {
        Span sp = span(s);
        return switch (s) {
            case AssignStmtContext a -> {
                List<String> names = new ArrayList<>();
                for (IdentContext i : a.ident()) names.add(i.getText());
                yield new Stmt.Assign(sp, names, expr(a.expr()));
            }
            case ReturnStmtContext r -> new Stmt.Return(sp, r.expr().stream().map(this::expr).toList());
            case IfStmtContext i -> {
                List<Stmt> otherwise = List.of();
                if (i.block().size() > 1) otherwise = block(i.block(1));
                else if (i.ifTail != null) otherwise = List.of(stmt(i.ifTail));
                yield new Stmt.If(sp, expr(i.expr()), block(i.block(0)), otherwise);
            }
            case RequireStmtContext r -> new Stmt.Require(sp, expr(r.expr()));
            default -> null;
        };
    }

    private List<Expr.Arg> args(ArgsContext c) {
        List<Expr.Arg> out = new ArrayList<>();
        for (ArgContext a : c.arg()) out.add(new Expr.Arg(span(a), a.ident() == null ? null : a.ident().getText(), expr(a.expr())));
        return out;
    }

    Expr expr(ExprContext e) {
        Span s = span(e);
        return switch (e) {
            case RepeatExprContext r -> new Expr.Repeat(s, false, op(r.count), expr(r.loop));
            case SharedRepeatExprContext r -> new Expr.Repeat(s, true, op(r.count), expr(r.loop));
            case IfExprContext i -> new Expr.If(s, expr(i.cond), expr(i.a), expr(i.b));
            case PlainExprContext p -> op(p.opExpr());
            default -> throw new IllegalStateException(e.getClass().getName());
        };
    }

    Expr op(OpExprContext e) {
        Span s = span(e);
        return switch (e) {
            case OrExprContext o -> new Expr.Binary(s, "or", op(o.opExpr(0)), op(o.opExpr(1)));
            case AndExprContext a -> new Expr.Binary(s, "and", op(a.opExpr(0)), op(a.opExpr(1)));
            case NotExprContext n -> new Expr.Unary(s, "not", op(n.opExpr()));
            case CompareExprContext c -> new Expr.Binary(s, c.op.getText(), op(c.opExpr(0)), op(c.opExpr(1)));
            case AddExprContext a -> new Expr.Binary(s, a.op.getText(), op(a.opExpr(0)), op(a.opExpr(1)));
            case MulExprContext m -> new Expr.Binary(s, m.op.getText(), op(m.opExpr(0)), op(m.opExpr(1)));
            case NegExprContext n -> new Expr.Unary(s, "-", op(n.opExpr()));
            case PowExprContext p -> new Expr.Binary(s, "**", op(p.opExpr(0)), op(p.opExpr(1)));
            case CallExprContext c -> new Expr.Call(s, op(c.opExpr()), args(c.args()));
            case IndexExprContext i -> {
                List<Expr.IndexItem> items = new ArrayList<>();
                for (IndexContext ix : i.index()) {
                    if (ix instanceof RestIndexContext) items.add(new Expr.Rest(span(ix)));
                    else if (ix instanceof SliceIndexContext sl)
                        items.add(new Expr.Range(span(ix), sl.lo == null ? null : expr(sl.lo), sl.hi == null ? null : expr(sl.hi),
                                sl.step == null ? null : expr(sl.step)));
                    else items.add(new Expr.At(span(ix), expr(((ExprIndexContext) ix).expr())));
                }
                yield new Expr.Index(s, op(i.opExpr()), items);
            }
            case MemberExprContext m -> new Expr.Member(s, op(m.opExpr()), m.ident().getText());
            case TransposeExprContext t -> new Expr.Transpose(s, op(t.opExpr()));
            case RouteExprContext r -> new Expr.Route(s, expr(r.weights), r.expr().subList(1, r.expr().size()).stream().map(this::expr).toList());
            case TupleExprContext t -> new Expr.Tuple(s, t.expr().stream().map(this::expr).toList());
            case ListExprContext l -> new Expr.ListLit(s, l.expr().stream().map(this::expr).toList());
            case ParenExprContext p -> expr(p.expr());
            case IntLitContext i -> new Expr.IntLit(s, intValue(i.getText(), s));
            case FloatLitContext f -> new Expr.FloatLit(s, Double.parseDouble(f.getText()));
            case StringLitContext st -> new Expr.StrLit(s, unquote(st.getText()));
            case BoolLitContext b -> new Expr.BoolLit(s, b.getText().equals("true"));
            case NoneLitContext n -> new Expr.NoneLit(s);
            case DtypeLitContext d -> new Expr.DTypeLit(s, d.getText());
            case NameExprContext n -> new Expr.Name(s, n.getText());
            default -> throw new IllegalStateException(e.getClass().getName());
        };
    }

    private long intValue(String text, Span s) {
        try {
            return Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            errors.add(Diagnostic.error(s, "the integer " + text + " is too large", "integers must lie within +-" + Long.MAX_VALUE));
            return 0;
        }
    }

    private static String unquote(String q) {
        String body = q.substring(1, q.length() - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                char n = body.charAt(++i);
                sb.append(switch (n) { case 'n' -> '\n'; case 't' -> '\t'; default -> n; });
            } else sb.append(c);
        }
        return sb.toString();
    }

}
