package strata.compiler.decode;

import strata.compiler.graph.Graph;
import strata.compiler.graph.passes.Pass;

/** {@code kv-decode}: a forward graph to its KV-cache decode program ({@link DecodeProgram}), for pipelines and IR check files. */
public final class KvDecodePass implements Pass {
    @Override public String name() { return "kv-decode"; }

    @Override public Graph run(Graph g) { return DecodeProgram.build(g).graph(); }
}
