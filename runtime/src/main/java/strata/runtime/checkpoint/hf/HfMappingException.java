package strata.runtime.checkpoint.hf;

import java.util.List;

/** Weights that do not map between a Hugging Face layout and a Strata model: every problem found, one a line. */
public final class HfMappingException extends Exception {
    private final List<String> problems;

    public HfMappingException(String what, List<String> problems, String hint) {
        super(what + ":\n  " + String.join("\n  ", problems) + (hint.isEmpty() ? "" : "\n" + hint));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
