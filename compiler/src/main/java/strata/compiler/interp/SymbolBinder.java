package strata.compiler.interp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.TensorType;

/**
 * Binds a graph's dimension symbols (B, T, ...) from the shapes of the tensors given for its
 * inputs, and checks every input against its declared type. A dim that is a bare symbol binds it;
 * a dim linear in one still-unbound symbol ({@code T + 1}, {@code 2*T}) is solved for it; every
 * other dim must evaluate to the extent it meets.
 */
public final class SymbolBinder {
    private SymbolBinder() {}

    /**
     * The symbol values implied by {@code inputs}.
     *
     * @throws IllegalArgumentException naming the input when one is missing, has the wrong element
     *         type or rank, or has an extent that contradicts its type or another input
     */
    public static Map<String, Long> bind(Graph g, Map<String, RefTensor> inputs) {
        Map<String, Long> env = new LinkedHashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        List<Runnable> deferred = new ArrayList<>();
        for (Op op : g.inputs()) {
            String name = op.strAttr("name", "?");
            RefTensor t = inputs.get(name);
            TensorType type = op.type();
            if (t == null) throw new IllegalArgumentException("missing input `" + name + "` of type " + type);
            if (t.dtype() != type.dtype())
                throw new IllegalArgumentException("input `" + name + "` is declared " + type + " but has element type " + t.dtype());
            if (t.rank() != type.rank())
                throw new IllegalArgumentException("input `" + name + "` is declared " + type + " (rank " + type.rank()
                        + ") but has shape " + Arrays.toString(t.shape()));
            for (int axis = 0; axis < type.rank(); axis++) {
                Dim d = type.dim(axis);
                long extent = t.dim(axis);
                int a = axis;
                deferred.add(() -> {
                    long expected = evalOrSolve(d, extent, env, boundBy, name);
                    if (expected != extent)
                        throw new IllegalArgumentException("input `" + name + "` is declared " + type + " but axis " + a + " has extent "
                                + extent + " where " + d + " = " + expected + explain(d, env, boundBy));
                });
                if (d.isConstant()) continue;
                List<String> syms = d.symbols();
                if (syms.size() == 1 && d.equals(Dim.sym(syms.getFirst()))) {
                    String s = syms.getFirst();
                    Long prior = env.get(s);
                    if (prior == null) {
                        env.put(s, extent);
                        boundBy.put(s, name);
                    } else if (prior != extent)
                        throw new IllegalArgumentException("input `" + name + "` is declared " + type + ": axis " + axis + " has extent "
                                + extent + " but " + s + " = " + prior + " from input `" + boundBy.get(s) + "`");
                }
            }
        }
        for (Runnable check : deferred) check.run();
        return env;
    }

    /** d's value, first solving it for its one unbound symbol when it is linear in that symbol. */
    private static long evalOrSolve(Dim d, long extent, Map<String, Long> env, Map<String, String> boundBy, String input) {
        List<String> unbound = new ArrayList<>();
        for (String s : d.symbols()) if (!env.containsKey(s)) unbound.add(s);
        if (unbound.isEmpty()) return d.eval(env);
        String s = unbound.getFirst();
        Dim rest = d.subst(Map.of(s, Dim.of(0)));
        Dim coefficient = d.minus(rest).divExact(Dim.sym(s)).orElse(null);
        if (unbound.size() > 1 || coefficient == null || !coefficient.symbols().stream().allMatch(env::containsKey)
                || !rest.symbols().stream().allMatch(env::containsKey))
            throw new IllegalArgumentException("input `" + input + "`: cannot bind the symbols " + unbound + " of the dimension " + d
                    + " from its extent " + extent + "; give them as a bare dimension of some input");
        long c = coefficient.eval(env), r = rest.eval(env);
        if (c == 0 || (extent - r) % c != 0 || (extent - r) / c < 0)
            throw new IllegalArgumentException("input `" + input + "`: no value of " + s + " makes " + d + " equal " + extent);
        env.put(s, (extent - r) / c);
        boundBy.put(s, input);
        return d.eval(env);
    }

    private static String explain(Dim d, Map<String, Long> env, Map<String, String> boundBy) {
        if (d.isConstant()) return "";
        StringBuilder sb = new StringBuilder(" (");
        for (String s : d.symbols())
            sb.append(sb.length() > 2 ? ", " : "").append(s).append(" = ").append(env.get(s)).append(" from input `").append(boundBy.get(s)).append('`');
        return sb.append(')').toString();
    }
}
