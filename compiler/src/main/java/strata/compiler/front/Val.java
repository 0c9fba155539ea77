package strata.compiler.front;

import java.util.List;
import java.util.Map;
import strata.compiler.graph.DType;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Value;
import strata.grammar.ast.Decl;

/**
 * The values a Strata program computes while it is elaborated. Numbers, dims, parts and masks
 * are known at compile time; tensors are graph values whose contents are known only when the
 * program runs.
 */
public sealed interface Val {

    record Int(long value) implements Val {}

    record Float(double value) implements Val {}

    record Bool(boolean value) implements Val {}

    record Str(String value) implements Val {}

    record None() implements Val {}

    record DTypeV(DType dtype) implements Val {}

    /** A dimension that may be symbolic ({@code T}, {@code x.shape[1]}). */
    record DimV(Dim dim) implements Val {}

    record Tensor(Value value) implements Val {}

    record Tuple(List<Val> items) implements Val {}

    /** A user function closed over the scope it was declared in. */
    record Fn(Decl.Fn decl, Scope scope) implements Val {}

    /** A built-in function of the language. */
    record Builtin(String name) implements Val {}

    /** A module or model definition, not yet given arguments. */
    record Component(ComponentDef def) implements Val {}

    /**
     * A part to be made: a component with its arguments bound. Each call site that uses a
     * factory (a slot, an inline {@code Linear(d, 3)(x)}) makes a part of its own.
     */
    record Factory(ComponentDef def, List<Val> args, Map<String, Val> named) implements Val {}

    /** A made part with its own parameters. */
    record Part(Instance instance) implements Val {}

    /** A mask or score definition, possibly applied to its data arguments. */
    record Mask(MaskValue mask) implements Val {}

    /** A slot of a part: calling it makes (or calls) its filling, checked against the signature. */
    record Slot(strata.grammar.ast.Member.Slot slot, strata.grammar.ast.Member.Bind filling, Instance owner) implements Val {}

    /** The value of an expression that already failed; operations on it fail silently. */
    record Poison() implements Val {}

    Val NONE = new None();
    Val POISON = new Poison();

    public static String describe(Val v) {
        return switch (v) {
            case Int i -> "int " + i.value();
            case Float f -> "float " + f.value();
            case Bool b -> "bool " + b.value();
            case Str s -> "string \"" + s.value() + "\"";
            case None n -> "none";
            case DTypeV d -> "dtype " + d.dtype();
            case DimV d -> "dimension " + d.dim();
            case Tensor t -> t.value().type().toString();
            case Tuple t -> "a tuple of " + t.items().size();
            case Fn f -> "function " + f.decl().name();
            case Builtin b -> "built-in " + b.name();
            case Component c -> (c.def().isModel() ? "model " : "module ") + c.def().name();
            case Factory f -> "part " + f.def().name() + "(...)";
            case Part p -> "part " + p.instance().def().name() + " at " + p.instance().path();
            case Mask m -> (m.mask().isScore() ? "score " : "mask ") + m.mask().describe();
            case Slot s -> "slot " + s.slot().name();
            case Poison p -> "an erroneous value";
        };
    }
}
