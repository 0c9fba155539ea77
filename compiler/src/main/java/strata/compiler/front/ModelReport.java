package strata.compiler.front;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.compiler.graph.Dim;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.TensorType;

/**
 * What {@code strata check} prints: parameters per part (repeated layers folded into one row,
 * {@code h.*.attn}), the total, and an estimate of forward FLOPs per token.
 */
public record ModelReport(List<Row> rows, long parameters, long flopsPerToken, long atTokens, List<SizeRequirement> requirements) {

    /** @param part the part's path with layer indices as {@code *}; count how many parts share it */
    public record Row(String part, String module, int count, long each) {}

    public static ModelReport of(Elaborator.Result r) {
        Map<String, long[]> perPart = new LinkedHashMap<>();
        Map<String, String> module = new LinkedHashMap<>();
        for (Parts.ParamInfo p : r.params()) {
            perPart.computeIfAbsent(p.owner(), k -> new long[1])[0] += p.type().numel().value();
            module.put(p.owner(), p.module());
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (var e : perPart.entrySet()) {
            String key = e.getKey().replaceAll("(^|\\.)\\d+(?=\\.|$)", "$1*");
            String shown = key.isEmpty() ? "(model)" : key;
            Row prev = rows.get(shown);
            long each = e.getValue()[0];
            if (prev != null && prev.each() == each) rows.put(shown, new Row(shown, prev.module(), prev.count() + 1, each));
            else if (prev != null) rows.put(e.getKey(), new Row(e.getKey(), module.get(e.getKey()), 1, each));
            else rows.put(shown, new Row(shown, module.get(e.getKey()), 1, each));
        }
        long total = 0;
        for (Parts.ParamInfo p : r.params()) total += p.type().numel().value();
        long tokens = tokensFor(r);
        return new ModelReport(new ArrayList<>(rows.values()), total, r.graph() == null ? 0 : flopsPerToken(r.graph(), tokens), tokens, r.requirements());
    }

    /** The sequence length at which FLOPs are estimated: the hyperparameter `block` when there is one. */
    private static long tokensFor(Elaborator.Result r) {
        if (r.hypers().get("block") instanceof Val.Int i) return i.value();
        return 128;
    }

    /**
     * Forward FLOPs per token with B = 1 and every other symbol = tokens: 2 M N K per matmul
     * and 4 Tq Tk D per attention head (scores and values), divided by the tokens of one sample; masks are
     * not credited with the work they save.
     */
    public static long flopsPerToken(Graph g, long tokens) {
        Map<String, Long> env = new LinkedHashMap<>();
        for (String s : g.symbols()) env.put(s, s.equals("B") ? 1L : tokens);
        double flops = 0;
        for (Op op : g.ops()) {
            if (op.kind() == OpKind.MATMUL) {
                TensorType a = op.operands().get(0).type();
                boolean ta = op.boolAttr("transpose_a", false);
                long k = (ta ? a.dim(-2) : a.dim(-1)).eval(env);
                flops += 2.0 * op.type().numel().eval(env) * k;
            } else if (op.kind() == OpKind.ATTENTION) {
                TensorType q = op.operands().get(0).type(), kt = op.operands().get(1).type();
                long b = q.dim(0).eval(env), h = q.dim(1).eval(env), tq = q.dim(2).eval(env), tk = kt.dim(2).eval(env);
                flops += 4.0 * b * h * tq * tk * q.dim(3).eval(env);
            }
        }
        return Math.round(flops / tokens);
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        int w = "part".length();
        for (Row r : rows) w = Math.max(w, r.part().length());
        int wm = "module".length();
        for (Row r : rows) wm = Math.max(wm, r.module().length());
        sb.append(String.format("%-" + w + "s  %-" + wm + "s  %5s  %15s  %15s%n", "part", "module", "count", "each", "total"));
        for (Row r : rows)
            sb.append(String.format("%-" + w + "s  %-" + wm + "s  %5d  %,15d  %,15d%n", r.part(), r.module(), r.count(), r.each(), r.each() * r.count()));
        for (SizeRequirement q : requirements) sb.append("requires: ").append(q.left()).append(' ').append(q.op()).append(' ').append(q.right())
                .append(" (checked when the model runs)\n");
        sb.append(String.format("flops_per_token: %d (forward, at %d tokens)%n", flopsPerToken, atTokens));
        sb.append("parameters: ").append(parameters).append('\n');
        return sb.toString();
    }
}
