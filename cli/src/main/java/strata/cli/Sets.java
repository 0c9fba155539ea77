package strata.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** {@code --set key=value} options, in order. */
final class Sets {
    private Sets() {}

    static Map<String, String> parse(List<String> sets) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new CommandLine.ParameterException(new CommandLine(new Main()), "--set needs key=value, got `" + s + "`");
            out.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        return out;
    }
}
