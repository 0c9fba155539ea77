package strata.cli;

import java.util.List;
import java.util.Map;
import strata.compiler.front.Elaborator.TrainSetting;
import strata.compiler.front.Spelling;
import strata.compiler.front.Val;
import strata.grammar.CompileError;

/**
 * A model's training recipe (its {@code train { }} blocks, then the command's options): typed
 * lookups that report a wrong entry at the line that writes it.
 */
final class Recipe {
    /** Every key a recipe may set; anything else is a misspelling. */
    static final List<String> KEYS = List.of("data", "tokenizer", "split", "steps", "batch", "lr", "min_lr", "warmup", "decay",
            "optimizer", "beta1", "beta2", "eps", "weight_decay", "momentum", "clip", "eval_every", "eval_batches", "checkpoint_every", "seed",
            "accumulate", "layer_lr_decay", "window", "vocab_size");

    private final Map<String, TrainSetting> settings;
    private final Map<String, Object> overrides;

    Recipe(Map<String, TrainSetting> settings, Map<String, Object> overrides) {
        this.settings = settings;
        this.overrides = overrides;
        for (var e : settings.entrySet())
            if (!KEYS.contains(e.getKey())) {
                String near = Spelling.nearest(e.getKey(), KEYS, List.of());
                throw new CompileError(e.getValue().span(), "`" + e.getKey() + "` is not a training setting",
                        near != null ? "did you mean `" + near + "`?" : "the settings are " + String.join(", ", KEYS));
            }
    }

    double num(String key, double dflt) {
        if (overrides.get(key) instanceof Number n) return n.doubleValue();
        TrainSetting s = settings.get(key);
        if (s == null) return dflt;
        return switch (s.value()) {
            case Val.Int i -> i.value();
            case Val.Float f -> f.value();
            default -> throw new CompileError(s.span(), "training setting `" + key + "` must be a number, got " + Val.describe(s.value()));
        };
    }

    long integer(String key, long dflt) {
        if (overrides.get(key) instanceof Number n) return n.longValue();
        TrainSetting s = settings.get(key);
        if (s == null) return dflt;
        if (s.value() instanceof Val.Int i) return i.value();
        throw new CompileError(s.span(), "training setting `" + key + "` must be an integer, got " + Val.describe(s.value()));
    }

    String str(String key, String dflt) {
        if (overrides.get(key) instanceof String v) return v;
        TrainSetting s = settings.get(key);
        if (s == null) return dflt;
        if (s.value() instanceof Val.Str v) return v.value();
        throw new CompileError(s.span(), "training setting `" + key + "` must be a string, got " + Val.describe(s.value()), "e.g. " + key + " = \"...\"");
    }

    /** Where a setting is written, for errors about its value; null when it is not written. */
    strata.grammar.Span span(String key) { return settings.containsKey(key) ? settings.get(key).span() : null; }
}
