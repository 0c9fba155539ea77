package strata.tests.masks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.masks.Causality;
import strata.compiler.masks.DataSearch;
import strata.compiler.masks.Equivalence;
import strata.compiler.masks.MaskData;
import strata.compiler.masks.RegionEval;
import strata.compiler.masks.TileClassifier;
import strata.compiler.masks.TileKind;
import strata.tests.ModelFiles;

/** The mask library (models/masks.strata) under the analysis: tiles agree with dense evaluation, and the laws hold. */
class MaskLibraryTest {
    private static final List<String> MASKS = List.of("causal", "bidirectional", "padding(len)", "prefix_lm(len)", "sliding(5, sinks = 2)",
            "document(seg)", "same_document(seg)", "cross_padding(len)", "xlnet_content(rank)", "xlnet_query(rank)", "kbert(branch, anchor)",
            "glm_blank(len)", "id_tokens(3)", "visible(m)", "prefix_lm(zero)", "causal and padding(len)", "not causal or sliding(3)");

    /** One attention per mask, in order, over the data inputs the library's masks read. */
    private static List<Region> regions() {
        StringBuilder src = new StringBuilder("import masks\nmodel Gallery {\n  input x: f32[B, T, 4]\n  input len: i32[B]\n  input zero: i32[B]\n"
                + "  input seg: i32[B, T]\n  input rank: i32[B, T]\n  input branch: i32[B, T]\n  input anchor: i32[B, T]\n  input m: bool[B, T, T]\n  forward {\n    q = split_heads(x, 1)\n    y = x\n");
        for (String mk : MASKS) src.append("    y = y + merge_heads(attention(q, q, q, mask = ").append(mk).append(", empty = zeros))\n");
        src.append("    return y\n  }\n}\n");
        ModelFiles.Built b = ModelFiles.buildText("gallery.strata", src.toString(), null);
        assertNotNull(b.graph(), b.rendered());
        return b.graph().opsOf(OpKind.ATTENTION).stream().map(o -> o.region("mask").orElseThrow()).toList();
    }

    /** Data as the masks mean it: lengths in [0, T], sorted segment ids, a permutation of ranks, a K-BERT tree. */
    private static MaskData.Given data(Region r, int t, Random rnd) {
        Map<Value, RefTensor> out = new LinkedHashMap<>();
        for (Value v : DataSearch.captured(r)) {
            long[] s = DataSearch.shapeAt(v, t);
            double[] d = new double[(int) java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b)];
            if (v.type().dtype() == DType.BOOL) for (int i = 0; i < d.length; i++) d[i] = rnd.nextInt(2);
            else if (d.length == 1) d[0] = rnd.nextInt(t + 1);
            else for (int i = 0; i < d.length; i++) d[i] = rnd.nextInt(t);
            out.put(v, RefTensor.of(v.type().dtype(), s, d));
        }
        return new MaskData.Given(out);
    }

    @Test void tilesNeverClaimFullOrEmptyWrongly() throws Exception {
        Random rnd = new Random(4);
        int[] lengths = {1, 2, 3, 7, 13, 31, 64, 97, 128, 131, 257, 300};
        for (Region r : regions())
            for (int t : lengths) {
                MaskData.Given data = data(r, t, rnd);
                RegionEval ev = new RegionEval(r, data);
                int tile = 1 + rnd.nextInt(48);
                TileKind[][] map = TileClassifier.map(r, data, 0, 0, t, t, tile, tile);
                for (int q = 0; q < t; q++)
                    for (int k = 0; k < t; k++) {
                        TileKind kind = map[q / tile][k / tile];
                        boolean vis = ev.visible(0, 0, q, k);
                        assertFalse(kind == TileKind.FULL && !vis || kind == TileKind.EMPTY && vis, "T=" + t + " tile " + tile + " cell " + q + "," + k);
                    }
            }
    }

    @Test void causalAndSlidingAreProvedCausalOthersRefutedWithAValidCounterexample() throws Exception {
        List<Region> rs = regions();
        assertTrue(Causality.check(rs.get(0), 1).causal());
        assertTrue(Causality.check(rs.get(4), 1).causal());
        assertTrue(Causality.check(rs.get(5), 1).causal());
        for (int i : new int[] {1, 3, 11}) {
            Causality.Verdict v = Causality.check(rs.get(i), 1);
            assertFalse(v.causal());
            var c = v.counterexample();
            assertTrue(c.k() > c.q() && new RegionEval(rs.get(i), c.data()).visible(0, 0, c.q(), c.k()), v.reason());
        }
    }

    @Test void causalEqualsPrefixLmWithPrefixZeroAndGlmEqualsPrefixLm() throws Exception {
        List<Region> rs = regions();
        Random rnd = new Random(1);
        for (int t : new int[] {1, 5, 17, 64}) {
            MaskData.Given z = data(rs.get(14), t, rnd);
            z.tensors().replaceAll((v, x) -> RefTensor.of(DType.I32, x.shape(), 0));
            assertTrue(Equivalence.differ(rs.get(0), MaskData.NONE, rs.get(14), z, 1, 1, t).isEmpty());
            MaskData.Given p = data(rs.get(3), t, rnd);
            MaskData.Given g = new MaskData.Given(Map.of(DataSearch.captured(rs.get(11)).getFirst(), p.tensors().values().iterator().next()));
            assertTrue(Equivalence.differ(rs.get(3), p, rs.get(11), g, 1, 1, t).isEmpty());
        }
        assertTrue(Equivalence.differ(rs.get(0), MaskData.NONE, rs.get(1), MaskData.NONE, 1, 1, 9).isPresent());
    }

    @Test void xlnetQueryStreamNeverSeesItsOwnContentAndGlmPartANeverSeesPartB() throws Exception {
        List<Region> rs = regions();
        Random rnd = new Random(2);
        for (int t = 1; t <= 40; t += 3) {
            MaskData.Given d = data(rs.get(9), t, rnd);
            RegionEval xq = new RegionEval(rs.get(9), d);
            for (int q = 0; q < t; q++) assertFalse(xq.visible(0, 0, q, q));
            MaskData.Given g = data(rs.get(11), t, rnd);
            long prefix = (long) g.tensors().values().iterator().next().at(0);
            RegionEval glm = new RegionEval(rs.get(11), g);
            for (int q = 0; q < Math.min(prefix, t); q++) for (long k = prefix; k < t; k++) assertFalse(glm.visible(0, 0, q, k));
        }
    }

    @Test void kbertBranchTokensNeverSeeOtherBranches() throws Exception {
        Region r = regions().get(10);
        // trunk 0..3, branch 1 = tokens 4, 5 on anchor 1, branch 2 = tokens 6, 7 on anchor 2
        double[] branch = {0, 0, 0, 0, 1, 1, 2, 2}, anchor = {0, 0, 0, 0, 1, 1, 2, 2};
        List<Value> cap = DataSearch.captured(r);
        Map<Value, RefTensor> m = new LinkedHashMap<>();
        for (Value v : cap) m.put(v, RefTensor.of(DType.I32, new long[] {1, 8}, v.equals(cap.getFirst()) ? branch : anchor));
        RegionEval ev = new RegionEval(r, new MaskData.Given(m));
        for (int q = 4; q < 8; q++) for (int k = 4; k < 8; k++) assertEquals(branch[q] == branch[k], ev.visible(0, 0, q, k));
        assertTrue(ev.visible(0, 0, 4, 1) && ev.visible(0, 0, 1, 4) && !ev.visible(0, 0, 4, 2) && !ev.visible(0, 0, 0, 4));
    }

    @Test void aMaskThatCanLeaveARowEmptyIsRejectedWithTheCondition() {
        ModelFiles.Built b = ModelFiles.buildText("empty.strata", "import prelude\nmodel E {\n  input x: f32[B, T, 4]\n  input len: i32[B]\n"
                + "  forward {\n    q = split_heads(x, 1)\n    return attention(q, q, q, mask = padding(len))\n  }\n}\n", null);
        assertTrue(b.rendered().contains("empty.strata:7:38: error: mask `padding` can leave a query with no visible key: with T = 1 and len = [0], query 0 sees no key"), b.rendered());
        assertTrue(b.rendered().contains("empty = zeros"));
    }

    @Test void everyMaskOfTheLibraryIsDefinedWithoutReadingOutOfRange() throws Exception {
        for (Region r : regions()) for (Op op : r.ops()) assertNotNull(op.kind());
        Random rnd = new Random(3);
        for (Region r : regions()) {
            MaskData.Given d = data(r, 7, rnd);
            RegionEval ev = new RegionEval(r, d);
            for (int q = 0; q < 7; q++) for (int k = 0; k < 7; k++) ev.visible(0, 0, q, k);
        }
    }
}
