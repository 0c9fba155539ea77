package strata.runtime.checkpoint.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import strata.runtime.checkpoint.hf.HfRule.Buffer;
import strata.runtime.checkpoint.hf.HfRule.Concat;
import strata.runtime.checkpoint.hf.HfRule.Hint;
import strata.runtime.checkpoint.hf.HfRule.Same;
import strata.runtime.checkpoint.hf.HfRule.Tied;
import strata.runtime.checkpoint.hf.HfRule.Transposed;

/**
 * The model families whose Hugging Face weights Strata reads and writes, each a table of
 * {@link HfRule}s from the names and layouts of the transformers library (modeling_gpt2.py,
 * modeling_bert.py) to the parameters of models/gpt2.strata and models/bert*.strata.
 */
public enum HfFamily {
    /**
     * GPT2Model / GPT2LMHeadModel. The published gpt2 model.safetensors has no prefix; a
     * GPT2LMHeadModel saved by save_pretrained puts {@code transformer.} before every name but
     * lm_head's.
     */
    GPT2("hf-gpt2", "transformer.", "", Map.of(), gpt2Rules(),
            List.of(new Hint("vocab", "wte.weight", 0), new Hint("block", "wpe.weight", 0), new Hint("d", "wte.weight", 1))),

    /**
     * BertModel / BertForPreTraining. BertForPreTraining puts {@code bert.} before the encoder's
     * names and none before its heads ({@code cls.}); old checkpoints (the original TensorFlow
     * conversion) call the LayerNorm gain and bias gamma and beta, which transformers renames on load.
     */
    BERT("hf-bert", "bert.", "cls.", Map.of("LayerNorm.gamma", "LayerNorm.weight", "LayerNorm.beta", "LayerNorm.bias"), bertRules(),
            List.of(new Hint("vocab", "embeddings.word_embeddings.weight", 0), new Hint("block", "embeddings.position_embeddings.weight", 0),
                    new Hint("types", "embeddings.token_type_embeddings.weight", 0), new Hint("d", "embeddings.word_embeddings.weight", 1),
                    new Hint("ffn_hidden", "encoder.layer.0.intermediate.dense.weight", 0)));

    /** The --format name. */
    public final String format;
    /** The base model's prefix, optional on import. */
    public final String prefix;
    /** Names that start with this are heads, outside the base model: they never take the prefix ("" for none). */
    public final String heads;
    /** Old spellings of name endings, read as the new ones. */
    public final Map<String, String> aliases;
    public final List<HfRule> rules;
    public final List<Hint> hints;

    HfFamily(String format, String prefix, String heads, Map<String, String> aliases, List<HfRule> rules, List<Hint> hints) {
        this.format = format;
        this.prefix = prefix;
        this.heads = heads;
        this.aliases = aliases;
        this.rules = rules;
        this.hints = hints;
    }

    /** The family with this --format name, or null. */
    public static HfFamily byFormat(String format) {
        for (HfFamily f : values()) if (f.format.equals(format)) return f;
        return null;
    }

    /** The family whose first rule's tensor (its token embedding) a file holds, with or without the prefix; null if none. */
    public static HfFamily detect(java.util.Set<String> names) {
        for (HfFamily f : values()) {
            String first = f.rules.getFirst().hf();
            if (names.contains(first) || names.contains(f.prefix + first)) return f;
        }
        return null;
    }

    /** The name as the table spells it: the prefix stripped and old endings renamed. */
    String canonical(String name) {
        String n = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        for (var a : aliases.entrySet()) if (n.endsWith(a.getKey())) n = n.substring(0, n.length() - a.getKey().length()) + a.getValue();
        return n;
    }

    private static List<HfRule> gpt2Rules() {
        String h = "h.{i}.", s = "h.{i}.";
        return List.of(
                new Same("wte.weight", "wte.weight"),
                new Same("wpe.weight", "pos.weight"),
                new Same(h + "ln_1.weight", s + "norm.gain"),
                new Same(h + "ln_1.bias", s + "norm.b"),
                // modeling_gpt2.GPT2Attention: query, key, value = c_attn(x).split(embed_dim, dim=2)
                new Concat(h + "attn.c_attn.weight", List.of(s + "attn.q_proj.weight", s + "attn.k_proj.weight", s + "attn.v_proj.weight"), 1, true),
                new Concat(h + "attn.c_attn.bias", List.of(s + "attn.q_proj.b", s + "attn.k_proj.b", s + "attn.v_proj.b"), 0, false),
                new Transposed(h + "attn.c_proj.weight", s + "attn.o_proj.weight"),
                new Same(h + "attn.c_proj.bias", s + "attn.o_proj.b"),
                new Same(h + "ln_2.weight", s + "norm_1.gain"),
                new Same(h + "ln_2.bias", s + "norm_1.b"),
                new Transposed(h + "mlp.c_fc.weight", s + "ffn.up.weight"),
                new Same(h + "mlp.c_fc.bias", s + "ffn.up.b"),
                new Transposed(h + "mlp.c_proj.weight", s + "ffn.down.weight"),
                new Same(h + "mlp.c_proj.bias", s + "ffn.down.b"),
                new Same("ln_f.weight", "norm.gain"),
                new Same("ln_f.bias", "norm.b"),
                new Tied("lm_head.weight", "wte.weight"),
                // the causal mask and its fill value, buffers in transformers before 4.38: Strata's mask is a program
                new Buffer(h + "attn.bias"),
                new Buffer(h + "attn.masked_bias"));
    }

    private static List<HfRule> bertRules() {
        List<HfRule> r = new ArrayList<>();
        r.add(new Same("embeddings.word_embeddings.weight", "word.weight"));
        r.add(new Same("embeddings.position_embeddings.weight", "position.weight"));
        r.add(new Same("embeddings.token_type_embeddings.weight", "segment.weight"));
        linearOrNorm(r, "embeddings.LayerNorm", "emb_norm", true);
        r.add(new Buffer("embeddings.position_ids"));
        r.add(new Buffer("embeddings.token_type_ids"));
        String l = "encoder.layer.{i}.", s = "h.{i}.";
        // nn.Linear stores [out, in], as Strata's Linear does: no transposes
        linearOrNorm(r, l + "attention.self.query", s + "attn.q_proj", false);
        linearOrNorm(r, l + "attention.self.key", s + "attn.k_proj", false);
        linearOrNorm(r, l + "attention.self.value", s + "attn.v_proj", false);
        linearOrNorm(r, l + "attention.output.dense", s + "attn.o_proj", false);
        // post-norm: the first LayerNorm of a block follows attention, the second the FFN
        linearOrNorm(r, l + "attention.output.LayerNorm", s + "norm", true);
        linearOrNorm(r, l + "intermediate.dense", s + "ffn.up", false);
        linearOrNorm(r, l + "output.dense", s + "ffn.down", false);
        linearOrNorm(r, l + "output.LayerNorm", s + "norm_1", true);
        linearOrNorm(r, "pooler.dense", "pooler", false);
        // BertForPreTraining's heads (modeling_bert.BertLMPredictionHead, BertOnlyNSPHead)
        linearOrNorm(r, "cls.predictions.transform.dense", "mlm_transform", false);
        linearOrNorm(r, "cls.predictions.transform.LayerNorm", "mlm_norm", true);
        r.add(new Same("cls.predictions.bias", "mlm_bias.b"));
        r.add(new Tied("cls.predictions.decoder.weight", "word.weight"));
        r.add(new Tied("cls.predictions.decoder.bias", "mlm_bias.b"));
        linearOrNorm(r, "cls.seq_relationship", "nsp", false);
        return List.copyOf(r);
    }

    /** A Linear's weight and bias, or a LayerNorm's (weight, bias) as Strata's (gain, b). */
    private static void linearOrNorm(List<HfRule> r, String hf, String strata, boolean norm) {
        r.add(new Same(hf + ".weight", strata + (norm ? ".gain" : ".weight")));
        r.add(new Same(hf + ".bias", strata + ".b"));
    }
}
