package strata.runtime.checkpoint.hf;

import java.util.List;

/** Weights that do not map between a Hugging Face layout and a Strata model: every problem found, one a line. */
public final class HfMappingException extends Exception {
    /** A preset of the wrong size fails for every tensor; the first problems and the hint say enough. */
    static final int SHOWN = 20;

    private final List<String> problems;

    public HfMappingException(String what, List<String> problems, String hint) {
        super(what + ":\n  " + String.join("\n  ", problems.subList(0, Math.min(SHOWN, problems.size())))
                + (problems.size() > SHOWN ? "\n  ... and " + (problems.size() - SHOWN) + " more" : "") + (hint.isEmpty() ? "" : "\n" + hint));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
