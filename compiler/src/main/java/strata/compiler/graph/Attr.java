package strata.compiler.graph;

import java.util.List;

/** Compile-time attributes of an op ({@code {axis = 0, eps = 1e-05}}). */
public sealed interface Attr {
    record Int(long value) implements Attr {
        @Override public String toString() { return Long.toString(value); }
    }

    record Float(double value) implements Attr {
        @Override public String toString() { return formatDouble(value); }
    }

    record Bool(boolean value) implements Attr {
        @Override public String toString() { return Boolean.toString(value); }
    }

    record Str(String value) implements Attr {
        @Override public String toString() {
            return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
        }
    }

    record Ints(List<Long> values) implements Attr {
        public Ints { values = List.copyOf(values); }

        @Override public String toString() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < values.size(); i++) sb.append(i > 0 ? ", " : "").append(values.get(i));
            return sb.append(']').toString();
        }
    }

    /** A symbolic dimension, printed as {@code #dim<T - 1>}. */
    record DimAttr(Dim value) implements Attr {
        @Override public String toString() { return "#dim<" + value + ">"; }
    }

    /**
     * Shortest text that parses back to the same double, always with a '.', 'e', "inf" or "nan"
     * so that it never reads as an integer.
     */
    static String formatDouble(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        String s = Double.toString(v);
        return s.contains(".") || s.contains("E") ? s.replace("E", "e") : s + ".0";
    }
}
