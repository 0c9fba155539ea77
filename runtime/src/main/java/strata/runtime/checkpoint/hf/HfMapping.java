package strata.runtime.checkpoint.hf;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import strata.compiler.graph.DType;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.hf.HfRule.Buffer;
import strata.runtime.checkpoint.hf.HfRule.Stored;
import strata.runtime.checkpoint.hf.HfRule.Tied;

/**
 * Moves weights between a Hugging Face checkpoint and a Strata model's parameters by a family's
 * table. Both directions check everything before they return: every tensor on either side mapped,
 * every shape as the other side needs it, and every problem reported at once.
 */
public final class HfMapping {
    private HfMapping() {}

    /**
     * The Strata parameters, as f32, that a Hugging Face checkpoint holds for a model whose
     * parameters have the given shapes ({@code model}: name to shape, in the model's order).
     * bf16 and f16 tensors are widened exactly.
     */
    public static Map<String, Tensor> toStrata(HfFamily family, Checkpoint hf, Map<String, long[]> model, Arena arena) throws HfMappingException {
        return map(family, hf, model, arena);
    }

    /** Whether the checkpoint's names and shapes fit a model (its tied copies are not compared); nothing is copied. */
    public static boolean fits(HfFamily family, Checkpoint hf, Map<String, long[]> model) {
        try {
            map(family, hf, model, null);
            return true;
        } catch (HfMappingException e) {
            return false;
        }
    }

    /** With a null arena, only checks. */
    private static Map<String, Tensor> map(HfFamily family, Checkpoint hf, Map<String, long[]> model, Arena arena) throws HfMappingException {
        List<String> problems = new ArrayList<>();
        // the file's names as the table spells them
        Map<String, String> original = new LinkedHashMap<>();
        for (String n : hf.tensors().keySet()) {
            String c = family.canonical(n);
            String had = original.putIfAbsent(c, n);
            if (had != null) problems.add("`" + had + "` and `" + n + "` are the same tensor, " + c + ", twice");
        }
        Map<String, String> unused = new LinkedHashMap<>(original);
        // a missing tensor is named as this file would spell it
        boolean prefixed = hf.tensors().keySet().stream().anyMatch(n -> n.startsWith(family.prefix));
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<Tied> tied = new ArrayList<>();
        java.util.Set<String> claimed = new java.util.HashSet<>(); // the parameters some rule answered for, mapped or not
        for (HfRule rule : expand(family.rules, model.keySet())) {
            switch (rule) {
                case Buffer b -> unused.remove(b.hf());
                case Tied t -> {
                    if (model.containsKey(t.name()) && original.containsKey(t.hf())) {
                        unused.remove(t.hf());
                        tied.add(t);
                    }
                }
                case Stored s -> {
                    s.strata().stream().filter(model::containsKey).forEach(claimed::add);
                    if (!applies(s, model.keySet(), problems, "the model")) continue;
                    String file = original.get(s.hf());
                    if (file == null) {
                        problems.add("missing: `" + (prefixed && (family.heads.isEmpty() || !s.hf().startsWith(family.heads)) ? family.prefix : "") + s.hf() + "` (for " + String.join(", ", s.strata()) + ")");
                        continue;
                    }
                    unused.remove(s.hf());
                    Tensor t = hf.tensor(file);
                    long[] want = hfShape(s, s.strata().stream().map(model::get).toList());
                    if (!Arrays.equals(t.shape(), want)) {
                        problems.add("shape: `" + file + "` is " + t + ", but " + String.join(", ", s.strata()) + (s.strata().size() == 1 ? " needs " : " need ") + Arrays.toString(want));
                        continue;
                    }
                    if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
                        problems.add("dtype: `" + file + "` is " + t + ", not a floating-point tensor");
                        continue;
                    }
                    if (arena == null) continue;
                    List<Tensor> parts = Movement.split(hf.f32(file, arena), s.axis(), s.strata().size(), arena);
                    for (int k = 0; k < parts.size(); k++)
                        out.put(s.strata().get(k), s.transposed() ? Movement.transpose(parts.get(k), arena) : parts.get(k));
                }
            }
        }
        if (arena == null) tied.clear();
        for (Tied t : tied) {
            Tensor kept = out.get(t.name());
            if (kept != null && !Movement.identical(hf.f32(original.get(t.hf()), arena), kept))
                problems.add("tied: `" + original.get(t.hf()) + "` differs from the tensor that gives " + t.name()
                        + ", but the Strata model ties them (it has one weight for both)");
        }
        for (var e : model.entrySet())
            if (!claimed.contains(e.getKey()))
                problems.add("unmapped: the model's `" + e.getKey() + "` " + Arrays.toString(e.getValue()) + " has no counterpart in the " + family.format + " layout");
        for (var e : unused.entrySet())
            problems.add("unused: the file's `" + e.getValue() + "` " + hf.tensor(e.getValue()) + " maps to no parameter of the model");
        if (!problems.isEmpty()) throw new HfMappingException("the weights do not fit the model", problems, setsThatFit(family, hf, original));
        // the model's order, so that a checkpoint lists parameters as the model declares them
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        if (arena != null) for (String n : model.keySet()) ordered.put(n, out.get(n));
        return ordered;
    }

    /** The Hugging Face tensors for Strata parameters (f32, under their model names; optimizer state left out by the caller). */
    public static Map<String, Tensor> toHf(HfFamily family, Map<String, Tensor> strata, Arena arena) throws HfMappingException {
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        TreeSet<String> used = new TreeSet<>();
        for (HfRule rule : expand(family.rules, strata.keySet())) {
            if (rule instanceof Tied t && strata.containsKey(t.name())) used.add(t.name());
            if (!(rule instanceof Stored s) || !applies(s, strata.keySet(), problems, "the checkpoint")) continue;
            List<Tensor> parts = new ArrayList<>();
            for (String n : s.strata()) {
                Tensor t = strata.get(n);
                used.add(n);
                if (t.dtype() != DType.F32) problems.add("dtype: `" + n + "` is " + t + "; export writes f32 parameters");
                else if (s.transposed() && t.shape().length != 2) problems.add("shape: `" + n + "` is " + t + ", not the matrix " + s.hf() + " needs");
                else parts.add(s.transposed() ? Movement.transpose(t, arena) : t);
            }
            if (parts.size() != s.strata().size()) continue;
            if (parts.stream().map(t -> Arrays.toString(t.shape())).distinct().count() > 1) {
                problems.add("shape: " + String.join(", ", s.strata()) + " differ in shape (" + parts + "), but " + s.hf() + " holds equal parts");
                continue;
            }
            out.put(s.hf(), parts.size() == 1 ? parts.getFirst() : Movement.concat(parts, s.axis(), arena));
        }
        for (var e : strata.entrySet())
            if (!used.contains(e.getKey())) problems.add("unmapped: `" + e.getKey() + "` " + e.getValue() + " has no counterpart in the " + family.format + " layout");
        if (!problems.isEmpty()) throw new HfMappingException("the checkpoint does not fit the " + family.format + " layout", problems, "");
        // the base model's prefix goes on when the file also holds heads, as BertForPreTraining saves it
        boolean withHeads = !family.heads.isEmpty() && out.keySet().stream().anyMatch(n -> n.startsWith(family.heads));
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (var e : out.entrySet())
            named.put(withHeads && !e.getKey().startsWith(family.heads) ? family.prefix + e.getKey() : e.getKey(), e.getValue());
        return named;
    }

    /** A rule applies when the Strata side has all of its parameters; a part of them is a problem. */
    private static boolean applies(Stored s, java.util.Set<String> names, List<String> problems, String side) {
        long have = s.strata().stream().filter(names::contains).count();
        if (have > 0 && have < s.strata().size())
            problems.add("partial: " + side + " has " + s.strata().stream().filter(names::contains).toList() + " but not "
                    + s.strata().stream().filter(n -> !names.contains(n)).toList() + ", which " + s.hf() + " holds together");
        return have == s.strata().size();
    }

    /** The shape the Hugging Face tensor has for Strata parameters of these shapes. */
    private static long[] hfShape(Stored s, List<long[]> shapes) {
        List<long[]> parts = shapes.stream().map(p -> s.transposed() && p.length == 2 ? new long[] {p[1], p[0]} : p.clone()).toList();
        long[] whole = parts.getFirst().clone();
        if (whole.length <= s.axis()) return whole;
        whole[s.axis()] = parts.stream().mapToLong(p -> p.length > s.axis() ? p[s.axis()] : 0).sum();
        return whole;
    }

    private static final Pattern LAYER = Pattern.compile("\\{i}");

    /** The rules with {i} repeated for every layer index the Strata names hold. */
    static List<HfRule> expand(List<HfRule> rules, java.util.Set<String> strataNames) {
        TreeSet<Integer> layers = new TreeSet<>();
        for (HfRule r : rules)
            for (String pattern : strataSide(r)) {
                if (!pattern.contains("{i}")) continue;
                Pattern p = Pattern.compile(Arrays.stream(pattern.split("\\{i}", -1)).map(Pattern::quote).reduce((a, b) -> a + "(\\d+)" + b).orElseThrow());
                for (String n : strataNames) {
                    Matcher m = p.matcher(n);
                    if (m.matches()) layers.add(Integer.parseInt(m.group(1)));
                }
            }
        List<HfRule> out = new ArrayList<>();
        for (HfRule r : rules) {
            if (!r.hf().contains("{i}")) out.add(r);
            else for (int i : layers) out.add(at(r, Integer.toString(i)));
        }
        return out;
    }

    private static List<String> strataSide(HfRule r) {
        return switch (r) {
            case Stored s -> s.strata();
            case Tied t -> List.of(t.name());
            case Buffer b -> List.of();
        };
    }

    private static HfRule at(HfRule r, String i) {
        return switch (r) {
            case HfRule.Same s -> new HfRule.Same(sub(s.hf(), i), sub(s.name(), i));
            case HfRule.Transposed t -> new HfRule.Transposed(sub(t.hf(), i), sub(t.name(), i));
            case HfRule.Concat c -> new HfRule.Concat(sub(c.hf(), i), c.strata().stream().map(n -> sub(n, i)).toList(), c.axis(), c.transposed());
            case Tied t -> new Tied(sub(t.hf(), i), sub(t.name(), i));
            case Buffer b -> new Buffer(sub(b.hf(), i));
        };
    }

    private static String sub(String pattern, String i) { return LAYER.matcher(pattern).replaceAll(i); }

    /** What the file's shapes say about the hyperparameters, as --set options, for a user whose preset does not fit. */
    static String setsThatFit(HfFamily family, Checkpoint hf, Map<String, String> original) {
        List<String> sets = new ArrayList<>();
        for (HfRule.Hint h : family.hints) {
            String file = original.get(h.hf());
            if (file != null && hf.tensor(file).shape().length > h.axis()) sets.add("--set " + h.hyper() + "=" + hf.tensor(file).shape()[h.axis()]);
        }
        // the layer count: one more than the largest index in a layer's tensor names
        String layerRule = family.rules.stream().map(HfRule::hf).filter(n -> n.contains("{i}")).findFirst().orElse(null);
        if (layerRule != null) {
            Pattern p = Pattern.compile(Pattern.quote(layerRule.substring(0, layerRule.indexOf("{i}"))) + "(\\d+)\\..*");
            int most = -1;
            for (String n : original.keySet()) {
                Matcher m = p.matcher(n);
                if (m.matches()) most = Math.max(most, Integer.parseInt(m.group(1)));
            }
            if (most >= 0) sets.add("--set layers=" + (most + 1));
        }
        if (sets.isEmpty()) return "";
        return "the file's shapes fit " + String.join(" ", sets)
                + " (the head count is not stored in the weights: take n_head or num_attention_heads from the model's config.json)";
    }
}
