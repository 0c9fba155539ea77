package strata.runtime.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.runtime.checkpoint.AtomicFile;
import strata.runtime.json.Json;
import strata.runtime.json.JsonException;

/**
 * Saves and loads tokenizers as tokenizer.json in the format of Hugging Face's {@code tokenizers}
 * library (its serialization of Tokenizer: added_tokens, normalizer, pre_tokenizer, post_processor,
 * decoder, model). What Strata cannot run as written (normalizers, other pre-tokenizers, dropout,
 * subword prefixes, byte fallback, stripping added tokens) is refused by name rather than ignored.
 *
 * <p>A character tokenizer is saved as a BPE model with no merges, no pre-tokenizer and the Fuse
 * decoder: BPE starts from a word's characters and, with no merges, each character is one token
 * looked up in the vocabulary, which is exactly a character tokenizer; Fuse joins the tokens with
 * nothing between them. A WordLevel model would need a pre-tokenizer that splits between every
 * character, which the library has no single component for.
 */
public final class TokenizerJson {
    private TokenizerJson() {}

    public static void save(Tokenizer t, Path file) throws IOException {
        byte[] text = (Json.writePretty(toJson(t), 2) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFile.replace(file, out -> {
            ByteBuffer b = ByteBuffer.wrap(text);
            while (b.hasRemaining()) out.write(b);
        });
    }

    public static Tokenizer load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return fromJson(Json.parseObject(text));
        } catch (JsonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Object> toJson(Tokenizer t) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        t.specialTokens().entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", e.getValue());
            a.put("content", e.getKey());
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
            added.add(a);
        });
        root.put("added_tokens", added);
        root.put("normalizer", null);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        switch (t) {
            case BpeTokenizer bpe -> {
                Map<String, Object> pre = new LinkedHashMap<>();
                pre.put("type", "ByteLevel");
                pre.put("add_prefix_space", bpe.preTokenizer().addPrefixSpace());
                pre.put("trim_offsets", true);
                pre.put("use_regex", bpe.preTokenizer().useRegex());
                root.put("pre_tokenizer", pre);
                root.put("post_processor", null);
                Map<String, Object> dec = new LinkedHashMap<>(pre);
                dec.put("type", "ByteLevel");
                root.put("decoder", dec);
                model.put("ignore_merges", bpe.ignoreMerges());
                model.put("vocab", new LinkedHashMap<String, Object>(bpe.vocabById()));
                model.put("merges", bpe.merges().stream().map(m -> (Object) (m.left() + " " + m.right())).toList());
            }
            case CharTokenizer chars -> {
                root.put("pre_tokenizer", null);
                root.put("post_processor", null);
                root.put("decoder", Map.of("type", "Fuse"));
                model.put("ignore_merges", false);
                Map<String, Object> vocab = new LinkedHashMap<>();
                int[] cps = chars.codePoints();
                for (int i = 0; i < cps.length; i++) vocab.put(Character.toString(cps[i]), (long) i);
                model.put("vocab", vocab);
                model.put("merges", List.of());
            }
        }
        root.put("model", model);
        return root;
    }

    static Tokenizer fromJson(Map<String, Object> root) {
        if (root.get("normalizer") != null) throw new IllegalArgumentException("normalizer " + typeOf(root.get("normalizer")) + " is not supported");
        Object post = root.get("post_processor");
        if (post != null && !"ByteLevel".equals(typeOf(post))) throw new IllegalArgumentException("post_processor " + typeOf(post) + " is not supported");
        Map<String, Object> model = object(require(root, "model", "the file"), "model");
        if (!"BPE".equals(model.get("type"))) throw new IllegalArgumentException("model type " + model.get("type") + " is not supported (Strata reads BPE)");
        for (String absent : List.of("dropout", "continuing_subword_prefix", "end_of_word_suffix"))
            if (model.get(absent) != null) throw new IllegalArgumentException("model." + absent + " = " + model.get(absent) + " is not supported");
        if (Boolean.TRUE.equals(model.get("byte_fallback"))) throw new IllegalArgumentException("model.byte_fallback is not supported");
        if (model.get("unk_token") != null) throw new IllegalArgumentException("model.unk_token is not supported: a byte-level vocabulary needs none");

        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (var e : object(require(model, "vocab", "model"), "model.vocab").entrySet()) vocab.put(e.getKey(), id(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]"));
        List<BpeTokenizer.Merge> merges = new ArrayList<>();
        List<Object> rawMerges = list(require(model, "merges", "model"), "model.merges");
        for (int i = 0; i < rawMerges.size(); i++) merges.add(merge(rawMerges.get(i), i));

        Map<String, Integer> specials = new LinkedHashMap<>();
        for (Object o : list(root.getOrDefault("added_tokens", List.of()), "added_tokens")) {
            Map<String, Object> a = object(o, "an added token");
            if (!(require(a, "content", "an added token") instanceof String content)) throw new IllegalArgumentException("an added token has a content that is not a string");
            for (String flag : List.of("single_word", "lstrip", "rstrip"))
                if (Boolean.TRUE.equals(a.get(flag))) throw new IllegalArgumentException("added token " + content + " sets " + flag + ", which is not supported");
            specials.put(content, id(require(a, "id", "added token " + content), "the id of added token " + content));
        }

        Object pre = root.get("pre_tokenizer"), dec = root.get("decoder");
        if (pre == null && "Fuse".equals(typeOf(dec)) && merges.isEmpty() && specials.isEmpty()) return charTokenizer(vocab);
        if (!"ByteLevel".equals(typeOf(pre))) throw new IllegalArgumentException("pre_tokenizer " + typeOf(pre) + " is not supported (Strata reads ByteLevel)");
        if (!"ByteLevel".equals(typeOf(dec))) throw new IllegalArgumentException("decoder " + typeOf(dec) + " is not supported with a ByteLevel pre_tokenizer");
        Map<String, Object> p = object(pre, "pre_tokenizer");
        var preTokenizer = new BpeTokenizer.PreTokenizer(Boolean.TRUE.equals(p.get("add_prefix_space")), !Boolean.FALSE.equals(p.get("use_regex")));
        return new BpeTokenizer(vocab, merges, specials, preTokenizer, Boolean.TRUE.equals(model.get("ignore_merges")));
    }

    private static CharTokenizer charTokenizer(Map<String, Integer> vocab) {
        int[] cps = new int[vocab.size()];
        for (var e : vocab.entrySet()) {
            if (e.getKey().codePointCount(0, e.getKey().length()) != 1) throw new IllegalArgumentException("a character vocabulary holds `" + e.getKey() + "`, which is not one character");
            if (e.getValue() >= cps.length) throw new IllegalArgumentException("character ids must be 0.." + (cps.length - 1) + ", found " + e.getValue());
            cps[e.getValue()] = e.getKey().codePointAt(0);
        }
        return new CharTokenizer(cps);
    }

    private static BpeTokenizer.Merge merge(Object o, int i) {
        // older files write "left right"; tokenizers 0.20 and later write ["left", "right"]
        if (o instanceof String s) {
            String[] parts = s.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) throw new IllegalArgumentException("merge " + i + " `" + s + "` is not two tokens separated by one space");
            return new BpeTokenizer.Merge(parts[0], parts[1]);
        }
        if (o instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) return new BpeTokenizer.Merge(a, b);
        throw new IllegalArgumentException("merge " + i + " is " + Json.typeName(o) + ", expected \"left right\" or [left, right]");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String what) {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException(what + " is " + Json.typeName(v) + ", expected an object");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, String what) {
        if (v instanceof List<?> l) return (List<Object>) l;
        throw new IllegalArgumentException(what + " is " + Json.typeName(v) + ", expected an array");
    }

    private static Object require(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException(where + " has no \"" + key + "\"");
        return v;
    }

    private static int id(Object v, String what) {
        if (!(v instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " is " + v + ", expected a non-negative integer id");
        return (int) (long) l;
    }

    private static String typeOf(Object component) {
        return component instanceof Map<?, ?> m && m.get("type") instanceof String s ? s : String.valueOf(component);
    }
}
