package strata.runtime.checkpoint.hf;

import java.util.List;

/**
 * One line of a family's table: how tensors in a Hugging Face checkpoint correspond to Strata
 * parameters. Names may hold {@code {i}}, a layer index, which both sides share. Names on the
 * Hugging Face side are written without the base model's prefix ({@code transformer.},
 * {@code bert.}), which {@link HfFamily} adds or strips.
 */
public sealed interface HfRule {

    /** The Hugging Face name, with {@code {i}} where it has a layer index. */
    String hf();

    /**
     * A stored tensor: the Hugging Face tensor is the Strata parameters concatenated along
     * {@code axis}, each transposed first when {@code transposed}. One part without transposition
     * is a rename; one part transposed is Conv1D's [in, out] against Linear's [out, in].
     */
    sealed interface Stored extends HfRule {
        List<String> strata();
        int axis();
        boolean transposed();
    }

    /** The same tensor under another name. */
    record Same(String hf, String name) implements Stored {
        @Override public List<String> strata() { return List.of(name); }
        @Override public int axis() { return 0; }
        @Override public boolean transposed() { return false; }
    }

    /** The transpose: GPT-2's Conv1D stores y = x W + b with W as [in, out] (transformers, pytorch_utils.Conv1D). */
    record Transposed(String hf, String name) implements Stored {
        @Override public List<String> strata() { return List.of(name); }
        @Override public int axis() { return 0; }
        @Override public boolean transposed() { return true; }
    }

    /** Several Strata parameters side by side along {@code axis}, as GPT-2's fused c_attn holds q, k and v. */
    record Concat(String hf, List<String> strata, int axis, boolean transposed) implements Stored {
        public Concat {
            strata = List.copyOf(strata);
        }
    }

    /**
     * A copy of a tied weight that Strata keeps once (GPT-2's lm_head is wte): an import accepts it
     * only when it equals the parameter bit for bit; an export leaves it out, as transformers'
     * save_pretrained does for tied weights.
     */
    record Tied(String hf, String name) implements HfRule {}

    /** A buffer that is no parameter (GPT-2's causal mask, BERT's position ids): an import skips it. */
    record Buffer(String hf) implements HfRule {}

    /** A hyperparameter that a Hugging Face tensor's dimension states, for hints when shapes disagree. */
    record Hint(String hyper, String hf, int axis) {}
}
