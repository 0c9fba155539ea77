package strata.compiler.front;

import java.util.Collection;

/** "Did you mean" suggestions and the naming of parts made at call sites. */
public final class Spelling {
    private Spelling() {}

    /** The closest name within an edit distance of about a third of its length, or null. */
    public static String nearest(String name, Collection<String> a, Collection<String> b) {
        String best = null;
        int bestD = Math.max(1, name.length() / 3) + 1;
        for (Collection<String> c : java.util.List.of(a, b))
            for (String n : c) {
                int d = distance(name, n);
                if (d < bestD) {
                    bestD = d;
                    best = n;
                }
            }
        return best;
    }

    /** Edit distance where swapping two neighbouring letters is one edit (nrom -> norm). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++)
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        return d[a.length()][b.length()];
    }

    /** {@code LayerNorm} -> {@code layer_norm}. */
    static String snake(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0 && (Character.isLowerCase(s.charAt(i - 1))
                        || (i + 1 < s.length() && Character.isLowerCase(s.charAt(i + 1)) && Character.isUpperCase(s.charAt(i - 1)))))
                    sb.append('_');
                sb.append(Character.toLowerCase(c));
            } else sb.append(c);
        }
        return sb.toString();
    }
}
