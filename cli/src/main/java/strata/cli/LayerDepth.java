package strata.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import strata.compiler.graph.Graph;
import strata.compiler.graph.Op;
import strata.runtime.train.FlatParams;

/**
 * Layer-wise learning rates (discriminative fine-tuning: Howard and Ruder 2018, sec. 3.2; the
 * layer-wise decay of ELECTRA and BEiT): a parameter at depth l of L gets the rate times
 * decay^(L - l). A repeated layer's parameters are named with its index ({@code h.3.attn...}),
 * which gives its depth 1 + index; parameters before the first layer (embeddings) have depth 0,
 * and those after the last (final norm, heads) depth L.
 */
final class LayerDepth {
    private LayerDepth() {}

    private static final Pattern INDEX = Pattern.compile("\\.(\\d+)\\.");

    static ToDoubleFunction<FlatParams.Slot> of(Graph g, double decay) {
        List<String> names = new ArrayList<>();
        for (Op p : g.params()) if (!names.contains(p.strAttr("name", ""))) names.add(p.strAttr("name", ""));
        Map<String, Integer> depth = new LinkedHashMap<>();
        int deepest = 0;
        boolean seenLayer = false;
        for (String n : names) {
            Matcher m = INDEX.matcher(n);
            if (m.find()) {
                int d = 1 + Integer.parseInt(m.group(1));
                depth.put(n, d);
                deepest = Math.max(deepest, d);
                seenLayer = true;
            } else depth.put(n, seenLayer ? -1 : 0);  // -1: after the layers, resolved below
        }
        int top = deepest + 1;
        depth.replaceAll((n, d) -> d < 0 ? top : d);
        return s -> Math.pow(decay, top - depth.getOrDefault(s.name(), top));
    }
}
