package strata.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A second safetensors reader written from the format's description alone (8-byte little-endian
 * header length, JSON header, raw data after it), with its own small JSON parser. It shares no code
 * with the production reader, so a writer bug that the production reader mirrors still shows.
 */
final class IndependentSafetensorsReader {
    record Raw(String dtype, long[] shape, byte[] bytes) {
        @Override public boolean equals(Object o) {
            return o instanceof Raw r && r.dtype.equals(dtype) && Arrays.equals(r.shape, shape) && Arrays.equals(r.bytes, bytes);
        }

        @Override public int hashCode() { return dtype.hashCode(); }

        @Override public String toString() { return dtype + Arrays.toString(shape) + " (" + bytes.length + " bytes)"; }
    }

    record File(Map<String, Raw> tensors, Map<String, String> metadata, long headerLength) {}

    @SuppressWarnings("unchecked")
    static File read(Path path) throws IOException {
        byte[] all = Files.readAllBytes(path);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        Map<String, Object> top = (Map<String, Object>) new MiniJson(header).value();
        Map<String, Raw> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var e : top.entrySet()) {
            Map<String, Object> m = (Map<String, Object>) e.getValue();
            if (e.getKey().equals("__metadata__")) {
                m.forEach((k, v) -> metadata.put(k, (String) v));
                continue;
            }
            List<Object> shape = (List<Object>) m.get("shape"), off = (List<Object>) m.get("data_offsets");
            long begin = (Long) off.get(0), end = (Long) off.get(1);
            byte[] bytes = Arrays.copyOfRange(all, (int) (8 + n + begin), (int) (8 + n + end));
            tensors.put(e.getKey(), new Raw((String) m.get("dtype"), shape.stream().mapToLong(x -> (Long) x).toArray(), bytes));
        }
        return new File(tensors, metadata, n);
    }

    /** Just enough JSON for a header: objects, arrays, strings with escapes, integers. */
    private static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) { this.s = s; }

        Object value() {
            while (s.charAt(i) == ' ') i++;
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                while (s.charAt(i) != '}') {
                    if (s.charAt(i) == ',') i++;
                    String k = (String) value();
                    i++; // ':'
                    m.put(k, value());
                }
                i++;
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                while (s.charAt(i) != ']') {
                    if (s.charAt(i) == ',') i++;
                    l.add(value());
                }
                i++;
                return l;
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch != '\\') { b.append(ch); continue; }
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> { b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                        default -> b.append(e);
                    }
                }
                i++;
                return b.toString();
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '-')) i++;
            return Long.parseLong(s.substring(start, i));
        }
    }
}
