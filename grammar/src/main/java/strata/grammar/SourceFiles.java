package strata.grammar;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The text of every file read in a run, so that diagnostics can quote their lines. */
public final class SourceFiles {
    private final Map<String, List<String>> lines = new HashMap<>();

    public void put(String file, String text) { lines.put(file, text.lines().toList()); }

    public String line(String file, int line) {
        List<String> l = lines.get(file);
        return l == null || line < 1 || line > l.size() ? null : l.get(line - 1);
    }
}
