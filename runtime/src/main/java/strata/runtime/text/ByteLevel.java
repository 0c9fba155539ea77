package strata.runtime.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte level (Radford et al. 2019, section 2.2; openai/gpt-2 src/encoder.py): text is cut
 * into pieces by a regex, each piece's UTF-8 bytes are shown as printable characters, and BPE runs
 * on those characters, so that every string is encodable with a 256-symbol base alphabet.
 */
final class ByteLevel {
    private ByteLevel() {}

    /**
     * The regex of encoder.py. Python's third-party {@code regex} module, which GPT-2 uses, gives
     * {@code \s} its Unicode meaning; Java does so under UNICODE_CHARACTER_CLASS.
     */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /** BYTE_TO_CHAR[b] is the character that stands for byte b; CHAR_TO_BYTE inverts it (-1 elsewhere). */
    static final char[] BYTE_TO_CHAR = new char[256];
    static final int[] CHAR_TO_BYTE = new int[512];

    // bytes_to_unicode of encoder.py: the printable bytes ! .. ~, ¡ .. ¬ and ® .. ÿ stand for themselves;
    // the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take U+0100, U+0101, ... in byte order.
    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    /** The order GPT-2's vocab.json gives the 256 base symbols: the printable bytes first, then the rest. */
    static List<String> alphabet() {
        List<String> out = new ArrayList<>(256);
        for (int b = 0; b < 256; b++) if (BYTE_TO_CHAR[b] == b) out.add(String.valueOf((char) b));
        for (int b = 0; b < 256; b++) if (BYTE_TO_CHAR[b] != b) out.add(String.valueOf(BYTE_TO_CHAR[b]));
        return out;
    }

    /** The pieces of text, as byte-level strings; their concatenation is the whole text. */
    static void pieces(String text, boolean addPrefixSpace, boolean useRegex, java.util.function.Consumer<String> out) {
        if (addPrefixSpace && !text.startsWith(" ")) text = " " + text;
        if (!useRegex) {
            out.accept(toByteChars(text));
            return;
        }
        Matcher m = GPT2_SPLIT.matcher(text);
        int at = 0;
        while (m.find()) {
            // the alternatives cover letters, numbers, whitespace and everything else, so the matches tile the text
            if (m.start() != at) throw new IllegalStateException("the split regex skipped " + text.substring(at, m.start()));
            out.accept(toByteChars(m.group()));
            at = m.end();
        }
        if (at != text.length()) throw new IllegalStateException("the split regex skipped " + text.substring(at));
    }

    static String toByteChars(String s) {
        ByteBuffer bytes;
        try {
            bytes = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            requireWellFormed(s, "the text");
            throw new IllegalStateException(e);
        }
        StringBuilder b = new StringBuilder(bytes.remaining());
        while (bytes.hasRemaining()) b.append(BYTE_TO_CHAR[bytes.get() & 0xff]);
        return b.toString();
    }

    /** Refuses text that has no UTF-8 encoding, naming the first lone surrogate and where it is. */
    static void requireWellFormed(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c))
                throw new IllegalArgumentException(String.format("%s holds a lone surrogate U+%04X at index %d, which is no character", what, (int) c, i));
        }
    }

    /** Appends the bytes a byte-level token stands for; false if it holds a character outside the alphabet. */
    static boolean appendBytes(String token, java.io.ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) return false;
            out.write(b);
        }
        return true;
    }
}
