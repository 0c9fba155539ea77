package strata.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT-2's byte level and BPE encoding, against a tokenizer.json written and worked by hand. */
class ByteLevelBpeTest {
    @TempDir Path dir;

    /*
     * "hello world" pre-tokenizes to "hello" and " world", i.e. byte characters "hello" and "Ġworld".
     * hello:  h e l l o -(rank 0, l l)-> h e ll o -(rank 1, h e)-> he ll o -(rank 2, he ll)-> hell o  = [10, 3]
     * Ġworld: pairs (Ġ,w)=4 (o,r)=3, lowest first: Ġ w or l d -> Ġw or l d -(rank 5)-> Ġwor l d    = [13, 2, 7]
     * ello:   e l l o -(rank 0)-> e ll o; (e, ll) is no merge                                      = [1, 8, 3]
     */
    static final String HAND = """
            {
              "version": "1.0",
              "added_tokens": [{"id": 14, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
              "normalizer": null,
              "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
              "post_processor": null,
              "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
              "model": {
                "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null,
                "fuse_unk": false, "byte_fallback": false,
                "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "Ġ": 4, "w": 5, "r": 6, "d": 7, "ll": 8, "he": 9, "hell": 10,
                          "Ġw": 11, "or": 12, "Ġwor": 13, "[CLS]": 14},
                "merges": ["l l", "h e", "he ll", "o r", "Ġ w", "Ġw or"]
              }
            }
            """;

    private Tokenizer hand() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, HAND);
        return TokenizerJson.load(f);
    }

    @Test
    void aHandWrittenTokenizerEncodesAsWorkedByHand() throws IOException {
        Tokenizer t = hand();
        assertInstanceOf(BpeTokenizer.class, t);
        assertArrayEquals(new int[] {10, 3, 13, 2, 7}, t.encode("hello world"));
        assertArrayEquals(new int[] {1, 8, 3}, t.encode("ello"));
        assertArrayEquals(new int[] {14, 10, 3, 13, 2, 7, 14}, t.encode("[CLS]hello world[CLS]"));
        assertEquals("[CLS]hello world", t.decode(new int[] {14, 10, 3, 13, 2, 7}));
        assertEquals(15, t.vocabSize());
        assertEquals(14, t.specialToken("[CLS]"));
    }

    @Test
    void mergesArraysOfNewerFilesReadLikeStrings() throws IOException {
        Path f = dir.resolve("new.json");
        Files.writeString(f, HAND.replace("\"merges\": [\"l l\", \"h e\", \"he ll\", \"o r\", \"Ġ w\", \"Ġw or\"]",
                "\"merges\": [[\"l\", \"l\"], [\"h\", \"e\"], [\"he\", \"ll\"], [\"o\", \"r\"], [\"Ġ\", \"w\"], [\"Ġw\", \"or\"]]"));
        assertArrayEquals(new int[] {10, 3, 13, 2, 7}, TokenizerJson.load(f).encode("hello world"));
    }

    @Test
    void bytesMapToGpt2sPrintableCharacters() {
        // encoder.py bytes_to_unicode: the 68 unprintable bytes take U+0100.. in byte order
        assertEquals('\u0100', ByteLevel.BYTE_TO_CHAR[0]);
        assertEquals('\u010A', ByteLevel.BYTE_TO_CHAR['\n']); // Ċ
        assertEquals('\u0120', ByteLevel.BYTE_TO_CHAR[' ']);  // Ġ
        assertEquals('\u0121', ByteLevel.BYTE_TO_CHAR[127]);
        assertEquals('\u0143', ByteLevel.BYTE_TO_CHAR[0xAD]);
        assertEquals('A', ByteLevel.BYTE_TO_CHAR['A']);
        assertEquals('ÿ', ByteLevel.BYTE_TO_CHAR[0xFF]);
        List<String> alphabet = ByteLevel.alphabet();
        assertEquals(256, alphabet.stream().distinct().count());
        assertEquals("!", alphabet.get(0)); // id 0 of GPT-2's vocab.json
        assertEquals("Ġ", alphabet.get(220)); // id 220 of GPT-2's vocab.json
    }

    @Test
    void preTokenizationFollowsGpt2sRegex() {
        List<String> pieces = new ArrayList<>();
        ByteLevel.pieces("I'll go  now!! 42x\n\n", false, true, pieces::add);
        // "  now": \s+(?!\S) takes one space and leaves the other to prefix the word
        assertEquals(List.of("I", "'ll", "Ġgo", "Ġ", "Ġnow", "!!", "Ġ42", "x", "ĊĊ"), pieces);
        pieces.clear();
        ByteLevel.pieces("héllo\u3000世界", false, true, pieces::add);
        // é is two bytes (c3 a9); U+3000 (ideographic space) is Unicode whitespace, as in Python's regex module
        assertEquals(List.of("hÃ©llo", "ãĢĢ", "ä¸ĸçķĮ"), pieces);
    }

    static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<extra_id_0>", "<extra_id_1>", "<extra_id_10>");

    /** A tokenizer with the whole byte alphabet, trained on a little text that holds specials too. */
    static final BpeTokenizer SMALL = BpeTrainer.train(
            "[CLS] the cat sat on the mat [SEP] the cat's hat, the dog's mat. 1234 1234 <extra_id_0> héllo héllo\n\n".repeat(3), 300, SPECIALS);

    @Test
    void decodeInvertsEncodeOnRandomUnicode() {
        Tokenizer t = SMALL;
        qt().withExamples(500).forAll(longs().all()).check(seed -> {
            String s = randomText(new Random(seed));
            return t.decode(t.encode(s)).equals(s);
        });
    }

    /** Any code point but lone surrogates, mixed with spaces, newlines, digits, apostrophes and a special. */
    static String randomText(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(30); i > 0; i--) {
            switch (r.nextInt(8)) {
                case 0 -> b.append(' ');
                case 1 -> b.append("\n'sll".charAt(r.nextInt(5)));
                case 2 -> b.appendCodePoint('a' + r.nextInt(26));
                case 3 -> b.appendCodePoint(r.nextInt(0xD800));
                case 4 -> b.appendCodePoint(0x10000 + r.nextInt(0x100000));
                case 5 -> b.append("[CLS]");
                case 6 -> b.appendCodePoint(r.nextInt(0x80));
                default -> b.append("hello");
            }
        }
        return b.toString();
    }

    @Test
    void specialsAreNeverSplit() {
        // each special, dropped between random text (whose own "[CLS]"s are removed), comes out as exactly its id
        qt().withExamples(300).forAll(longs().all()).check(seed -> {
            Random r = new Random(seed);
            StringBuilder b = new StringBuilder();
            List<Integer> inserted = new ArrayList<>();
            for (int i = r.nextInt(10); i > 0; i--) {
                b.append(randomText(r).replace("[CLS]", "").replace("<", ""));
                if (r.nextBoolean()) {
                    String special = SPECIALS.get(r.nextInt(SPECIALS.size()));
                    b.append(special);
                    inserted.add(SMALL.specialToken(special));
                }
            }
            List<Integer> found = new ArrayList<>();
            for (int id : SMALL.encode(b.toString())) if (id < SPECIALS.size()) found.add(id);
            return found.equals(inserted) && SMALL.decode(SMALL.encode(b.toString())).equals(b.toString());
        });
    }

    @Test
    void theLongestSpecialWinsWhereTwoBeginTogether() {
        assertArrayEquals(new int[] {SMALL.specialToken("<extra_id_10>")}, SMALL.encode("<extra_id_10>"));
        int[] ids = SMALL.encode("<extra_id_1>0");
        assertEquals(SMALL.specialToken("<extra_id_1>"), ids[0]);
        assertEquals("0", SMALL.decode(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
    }

    @Test
    void badInputGivesClearErrors() throws IOException {
        IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () -> SMALL.encode("a\uD800b"));
        Tokenizer t = hand();
        assertEquals("the text holds a lone surrogate U+D800 at index 1, which is no character", lone.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> t.encode("z"));
        assertEquals("the byte-level symbol `z` of piece `z` is not in the vocabulary", unknown.getMessage());
        assertEquals("id 99 is not in the vocabulary (size 15)", assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {99})).getMessage());
    }

    @Test
    void unsupportedPartsOfTokenizerJsonAreRefusedByName() throws IOException {
        Path f = dir.resolve("bad.json");
        List<String[]> cases = List.of(
                new String[] {"\"normalizer\": null", "\"normalizer\": {\"type\": \"NFC\"}", "normalizer NFC is not supported"},
                new String[] {"\"dropout\": null", "\"dropout\": 0.1", "model.dropout = 0.1 is not supported"},
                new String[] {"\"Ġw or\"]", "\"Ġw orx\"]", "merge 5 `Ġw orx` needs `orx`, which is not in the vocabulary"},
                new String[] {"\"he ll\"", "\"hell\"", "merge 2 `hell` is not two tokens separated by one space"},
                new String[] {"\"lstrip\": false", "\"lstrip\": true", "added token [CLS] sets lstrip, which is not supported"},
                new String[] {"\"type\": \"BPE\"", "\"type\": \"Unigram\"", "model type Unigram is not supported (Strata reads BPE)"},
                new String[] {"\"hell\": 10", "\"hell\": 9", "tokens `he` and `hell` share id 9"},
                new String[] {"\"vocab\": {", "\"vocab\": 7, \"x\": {", "model.vocab is a number, expected an object"},
                new String[] {"\"version\"", "\"version\" \"", null});
        for (String[] c : cases) {
            Files.writeString(f, HAND.replace(c[0], c[1]));
            IOException e = assertThrows(IOException.class, () -> TokenizerJson.load(f), c[1]);
            if (c[2] != null) assertEquals(f + ": " + c[2], e.getMessage());
            else assertTrue(e.getMessage().startsWith(f + ": not valid JSON: line 2, column 13:"), e.getMessage());
        }
    }
}
