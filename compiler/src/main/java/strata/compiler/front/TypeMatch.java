package strata.compiler.front;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.TensorType;
import strata.grammar.CompileError;
import strata.grammar.ast.Expr;
import strata.grammar.ast.TypeRef;

/**
 * Written tensor types as patterns: {@code f32[.., d]} matches any leading axes and a last axis
 * equal to d; a name that is bound to nothing ({@code B}, {@code T}) matches any dim and must
 * then match it everywhere else in the same signature.
 */
final class TypeMatch {
    sealed interface DimPat {}

    record Rest() implements DimPat {}

    record Exact(Dim dim) implements DimPat {}

    record Var(String name) implements DimPat {}

    record Pattern(DType dtype, List<DimPat> dims) {
        String render(Map<String, Dim> bound) {
            StringBuilder sb = new StringBuilder(dtype.mnemonic()).append('[');
            for (int i = 0; i < dims.size(); i++) {
                if (i > 0) sb.append(", ");
                switch (dims.get(i)) {
                    case Rest r -> sb.append("..");
                    case Exact e -> sb.append(e.dim());
                    case Var v -> sb.append(bound.containsKey(v.name()) ? bound.get(v.name()).toString() : v.name());
                }
            }
            return sb.append(']').toString();
        }
    }

    private TypeMatch() {}

    /** Evaluates a written type; returns null for a non-tensor type (int, mask, ...). */
    static Pattern pattern(TypeRef ref, Scope scope, Evaluator ev) {
        return switch (ref) {
            case TypeRef.Tensor t -> {
                List<DimPat> dims = new ArrayList<>();
                for (TypeRef.DimRef d : t.dims()) {
                    switch (d) {
                        case TypeRef.Rest r -> dims.add(new Rest());
                        case TypeRef.DimExpr de -> {
                            if (de.expr() instanceof Expr.Name n && scope.lookup(n.name(), n.span()) == null) dims.add(new Var(n.name()));
                            else dims.add(new Exact(ev.dimOf(ev.eval(de.expr(), scope), de.expr().span())));
                        }
                    }
                }
                yield new Pattern(DType.parse(t.dtype()), dims);
            }
            case TypeRef.Scalar s -> new Pattern(DType.parse(s.dtype()), List.of());
            case TypeRef.Named n -> null;
        };
    }

    /** The concrete type a pattern denotes, with free names as symbols (for model inputs). */
    static TensorType symbolic(Pattern p, TypeRef ref) {
        List<Dim> dims = new ArrayList<>();
        for (DimPat d : p.dims()) {
            switch (d) {
                case Rest r -> throw new CompileError(ref.span(), "an input's type cannot use `..`", "write every axis, e.g. i32[B, T]");
                case Exact e -> dims.add(e.dim());
                case Var v -> dims.add(Dim.sym(v.name()));
            }
        }
        return new TensorType(p.dtype(), dims);
    }

    /** Matches a type, binding free names; returns null on success, else why it failed. */
    static String match(TensorType t, Pattern p, Map<String, Dim> bound) {
        if (t.dtype() != p.dtype()) return "the element type is " + t.dtype() + ", not " + p.dtype();
        int rest = -1;
        for (int i = 0; i < p.dims().size(); i++) if (p.dims().get(i) instanceof Rest) rest = i;
        int fixed = p.dims().size() - (rest >= 0 ? 1 : 0);
        if (rest < 0 ? t.rank() != fixed : t.rank() < fixed)
            return "it has " + t.rank() + " axes, not " + (rest < 0 ? "" : "at least ") + fixed;
        for (int i = 0; i < p.dims().size(); i++) {
            if (i == rest) continue;
            int axis = rest >= 0 && i > rest ? t.rank() - (p.dims().size() - i) : i;
            Dim actual = t.dim(axis);
            switch (p.dims().get(i)) {
                case Exact e -> {
                    if (!e.dim().equals(actual)) return "axis " + axis + " is " + actual + ", not " + e.dim();
                }
                case Var v -> {
                    Dim prev = bound.putIfAbsent(v.name(), actual);
                    if (prev != null && !prev.equals(actual))
                        return "axis " + axis + " is " + actual + " but " + v.name() + " is " + prev + " elsewhere";
                }
                case Rest r -> { }
            }
        }
        return null;
    }
}
