package strata.compiler.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A symbolic dimension: a polynomial with integer coefficients over named symbols
 * (B, T, ...). Hyperparameters are concrete by the time a graph is built, so most dims are
 * constants or small expressions such as {@code B*T} or {@code T + 1}. Kept canonical, so
 * equal dims are equal records.
 *
 * @param terms monomial (symbols joined by '*', sorted; "" for the constant) to coefficient,
 *              with no zero coefficients
 */
public record Dim(TreeMap<String, Long> terms) implements Comparable<Dim> {

    public Dim {
        terms = new TreeMap<>(terms);
        terms.values().removeIf(c -> c == 0L);
    }

    public static Dim of(long c) {
        TreeMap<String, Long> t = new TreeMap<>();
        t.put("", c);
        return new Dim(t);
    }

    public static Dim sym(String name) {
        TreeMap<String, Long> t = new TreeMap<>();
        t.put(name, 1L);
        return new Dim(t);
    }

    public boolean isConstant() { return terms.isEmpty() || (terms.size() == 1 && terms.containsKey("")); }

    public Optional<Long> constant() {
        return isConstant() ? Optional.of(terms.getOrDefault("", 0L)) : Optional.empty();
    }

    /** The constant value; call only when {@link #isConstant()}. */
    public long value() {
        if (!isConstant()) throw new IllegalStateException("dimension " + this + " is symbolic");
        return terms.getOrDefault("", 0L);
    }

    public Dim plus(Dim o) {
        TreeMap<String, Long> t = new TreeMap<>(terms);
        o.terms.forEach((m, c) -> t.merge(m, c, Long::sum));
        return new Dim(t);
    }

    public Dim minus(Dim o) { return plus(o.times(of(-1))); }

    public Dim times(Dim o) {
        TreeMap<String, Long> t = new TreeMap<>();
        for (var a : terms.entrySet())
            for (var b : o.terms.entrySet())
                t.merge(mulMonomial(a.getKey(), b.getKey()), Math.multiplyExact(a.getValue(), b.getValue()), Long::sum);
        return new Dim(t);
    }

    public Dim times(long c) { return times(of(c)); }

    /** Exact division by a constant, when every coefficient divides. */
    public Optional<Dim> divExact(long c) {
        if (c == 0) return Optional.empty();
        TreeMap<String, Long> t = new TreeMap<>();
        for (var e : terms.entrySet()) {
            if (e.getValue() % c != 0) return Optional.empty();
            t.put(e.getKey(), e.getValue() / c);
        }
        return Optional.of(new Dim(t));
    }

    /** Exact division by another dim: a constant, or a single monomial that divides every term. */
    public Optional<Dim> divExact(Dim d) {
        if (d.isConstant()) return divExact(d.value());
        if (d.terms.size() != 1) return equals(d) ? Optional.of(of(1)) : Optional.empty();
        var e = d.terms.firstEntry();
        TreeMap<String, Long> t = new TreeMap<>();
        for (var term : terms.entrySet()) {
            Optional<String> q = divMonomial(term.getKey(), e.getKey());
            if (q.isEmpty() || term.getValue() % e.getValue() != 0) return Optional.empty();
            t.put(q.get(), term.getValue() / e.getValue());
        }
        return Optional.of(new Dim(t));
    }

    public List<String> symbols() {
        List<String> out = new ArrayList<>();
        for (String m : terms.keySet())
            if (!m.isEmpty()) for (String s : m.split("\\*")) if (!out.contains(s)) out.add(s);
        return out;
    }

    /** Evaluates with concrete values for the symbols; throws when one is missing. */
    public long eval(Map<String, Long> env) {
        long sum = 0;
        for (var e : terms.entrySet()) {
            long p = e.getValue();
            if (!e.getKey().isEmpty())
                for (String s : e.getKey().split("\\*")) {
                    Long v = env.get(s);
                    if (v == null) throw new IllegalArgumentException("no value for dimension symbol " + s);
                    p = Math.multiplyExact(p, v);
                }
            sum = Math.addExact(sum, p);
        }
        return sum;
    }

    /** Substitutes dims for some symbols. */
    public Dim subst(Map<String, Dim> env) {
        Dim out = of(0);
        for (var e : terms.entrySet()) {
            Dim p = of(e.getValue());
            if (!e.getKey().isEmpty())
                for (String s : e.getKey().split("\\*")) p = p.times(env.getOrDefault(s, sym(s)));
            out = out.plus(p);
        }
        return out;
    }

    private static String mulMonomial(String a, String b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        String[] f = (a + "*" + b).split("\\*");
        Arrays.sort(f);
        return String.join("*", f);
    }

    private static Optional<String> divMonomial(String a, String b) {
        List<String> f = new ArrayList<>(a.isEmpty() ? List.of() : Arrays.asList(a.split("\\*")));
        for (String s : b.split("\\*")) if (!f.remove(s)) return Optional.empty();
        return Optional.of(String.join("*", f));
    }

    /** Canonical text: higher-degree terms first, the constant last, e.g. {@code B*T + 2*T - 1}. */
    @Override public String toString() {
        if (terms.isEmpty()) return "0";
        List<Map.Entry<String, Long>> es = new ArrayList<>(terms.entrySet());
        es.sort((x, y) -> {
            int dx = degree(x.getKey()), dy = degree(y.getKey());
            return dx != dy ? Integer.compare(dy, dx) : x.getKey().compareTo(y.getKey());
        });
        StringBuilder sb = new StringBuilder();
        for (var e : es) {
            long c = e.getValue();
            String m = e.getKey();
            if (sb.isEmpty()) {
                if (c < 0) sb.append('-');
            } else sb.append(c < 0 ? " - " : " + ");
            long a = Math.abs(c);
            if (m.isEmpty()) sb.append(a);
            else if (a == 1) sb.append(m);
            else sb.append(a).append('*').append(m);
        }
        return sb.toString();
    }

    private static int degree(String m) { return m.isEmpty() ? 0 : m.split("\\*").length; }

    @Override public int compareTo(Dim o) { return toString().compareTo(o.toString()); }

    /** Parses the canonical text form (and any sum of products of integers and symbols). */
    public static Dim parse(String s) {
        String src = s.replace(" ", "");
        if (src.isEmpty()) throw new IllegalArgumentException("empty dimension");
        Dim out = of(0);
        int i = 0;
        while (i < src.length()) {
            int sign = 1;
            if (src.charAt(i) == '+') i++;
            else if (src.charAt(i) == '-') { sign = -1; i++; }
            int j = i;
            while (j < src.length() && src.charAt(j) != '+' && src.charAt(j) != '-') j++;
            String term = src.substring(i, j);
            if (term.isEmpty()) throw new IllegalArgumentException("malformed dimension `" + s + "`");
            Dim p = of(sign);
            for (String f : term.split("\\*")) {
                if (f.isEmpty()) throw new IllegalArgumentException("malformed dimension `" + s + "`");
                if (Character.isDigit(f.charAt(0))) p = p.times(Long.parseLong(f));
                else if (f.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) p = p.times(sym(f));
                else throw new IllegalArgumentException("malformed dimension `" + s + "`");
            }
            out = out.plus(p);
            i = j;
        }
        return out;
    }
}
