package strata.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import strata.runtime.data.BundledData;
import strata.runtime.json.Json;

/** The character tokenizer: nanoGPT's vocabulary of tinyshakespeare, round trips, and its tokenizer.json form. */
class CharTokenizerTest {
    @TempDir Path dir;

    @Test
    void tinyShakespeareHasNanoGptsSixtyFiveCharacters() throws IOException {
        // nanoGPT data/shakespeare_char/prepare.py prints these characters and "vocab size: 65"
        String text = Files.readString(BundledData.file("tinyshakespeare.txt"), StandardCharsets.UTF_8);
        CharTokenizer t = CharTokenizer.fromCorpus(text);
        assertEquals(65, t.vocabSize());
        assertEquals("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", t.decode(java.util.stream.IntStream.range(0, 65).toArray()));
        assertArrayEquals(new int[] {20, 47, 1}, t.encode("Hi "));
    }

    @Test
    void decodeInvertsEncodeOverTheVocabulary() {
        qt().withExamples(300).forAll(longs().all()).check(seed -> {
            Random r = new Random(seed);
            String corpus = ByteLevelBpeTest.randomText(r) + "x";
            CharTokenizer t = CharTokenizer.fromCorpus(corpus);
            // any rearrangement of the corpus's characters is encodable
            StringBuilder s = new StringBuilder();
            int[] cps = corpus.codePoints().toArray();
            for (int i = r.nextInt(40); i > 0; i--) s.appendCodePoint(cps[r.nextInt(cps.length)]);
            int[] ids = t.encode(s.toString());
            return t.decode(ids).equals(s.toString()) && ids.length == s.codePointCount(0, s.length());
        });
    }

    @Test
    void anUnknownCharacterIsNamed() {
        CharTokenizer t = CharTokenizer.fromCorpus("abc");
        assertEquals("character 'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE) at index 2 is not in the vocabulary of 3 characters",
                assertThrows(IllegalArgumentException.class, () -> t.encode("abé")).getMessage());
        assertEquals("character (U+000A LINE FEED (LF)) at index 0 is not in the vocabulary of 3 characters",
                assertThrows(IllegalArgumentException.class, () -> t.encode("\n")).getMessage());
        assertEquals("id 3 is not in the vocabulary (size 3)", assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {3})).getMessage());
    }

    @Test
    void savedAsBpeWithoutMergesItLoadsBackAsACharTokenizer() throws IOException {
        CharTokenizer t = CharTokenizer.fromCorpus("to be, or not to be\n\uD83D\uDE00");
        Path f = dir.resolve("tokenizer.json");
        TokenizerJson.save(t, f);
        var json = Json.parseObject(Files.readString(f));
        assertEquals("BPE", ((java.util.Map<?, ?>) json.get("model")).get("type"));
        assertEquals(java.util.Map.of("type", "Fuse"), json.get("decoder"));
        Tokenizer back = TokenizerJson.load(f);
        assertInstanceOf(CharTokenizer.class, back);
        assertArrayEquals(t.encode("not to be\n\uD83D\uDE00"), back.encode("not to be\n\uD83D\uDE00"));
        assertEquals(t.vocabSize(), back.vocabSize());
    }
}
