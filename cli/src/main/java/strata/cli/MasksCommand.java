package strata.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Region;
import strata.compiler.graph.Value;
import strata.compiler.interp.RefTensor;
import strata.compiler.masks.Causality;
import strata.compiler.masks.DataSearch;
import strata.compiler.masks.EmptyRows;
import strata.compiler.masks.MaskData;
import strata.compiler.masks.RegionEval;
import strata.compiler.masks.TileClassifier;
import strata.compiler.masks.TileKind;

/**
 * {@code strata masks FILE [--preset P] [--T n] [--png DIR]}: each mask the model's attention ops
 * use, drawn as a grid at a small T with its analysis, and optionally as PNG pictures.
 */
@Command(name = "masks", description = "Draw and analyse the masks of a model's attention ops.")
final class MasksCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Option(names = "--model") String model;
    @Option(names = "--preset") String preset;
    @Option(names = "--T", description = "sequence length of the pictures (default: ${DEFAULT-VALUE})") int t = 12;
    @Option(names = "--tile", description = "tile size of the tile map (default: ${DEFAULT-VALUE})") int tile = 4;
    @Option(names = "--png", paramLabel = "DIR", description = "write a heat map and a tile map per mask here") Path png;
    @Option(names = "--data", paramLabel = "INPUT=V1,V2,...", description = "the values of a per-sample input the masks read (repeatable), "
            + "e.g. --data prefix=3 or --data seg=0,0,0,1,1,1,1,2; others are drawn") List<String> given = new ArrayList<>();

    @Override public Integer call() throws IOException {
        Frontend fe = new Frontend();
        if (fe.load(file, System.err) == null) return 1;
        Elaborator.Result r = fe.elaborate(model, preset, Map.of(), System.err);
        if (r == null) return 1;
        Map<String, Region> masks = new LinkedHashMap<>();
        Map<String, Long> heads = new LinkedHashMap<>();
        Map<String, Boolean> self = new LinkedHashMap<>();
        for (Op op : r.graph().opsOf(OpKind.ATTENTION)) {
            if (op.region("mask").isEmpty()) continue;
            Region m = op.region("mask").get();
            if (masks.values().stream().anyMatch(x -> regionText(x).equals(regionText(m)))) continue;
            String written = op.strAttr("mask_name", "mask").replaceAll("[^A-Za-z0-9_]+", "_").replaceAll("^_|_$", "");
            String name = masks.containsKey(written) ? written + "_" + (masks.size() + 1) : written;
            masks.put(name, m);
            heads.put(name, op.operands().get(0).type().dim(1).isConstant() ? op.operands().get(0).type().dim(1).value() : 1);
            self.put(name, op.operands().get(0).type().dim(2).equals(op.operands().get(1).type().dim(2)));
        }
        if (masks.isEmpty()) System.out.println("no attention op of " + r.model() + " has a mask");
        if (png != null) Files.createDirectories(png);
        for (var e : masks.entrySet()) {
            Region m = e.getValue();
            MaskData.Given data = withGiven(drawData(m, t), inputNames(r));
            System.out.println("== " + e.getKey() + " (" + m.ops().size() + " ops)" + (data.tensors().isEmpty() ? "" : "; data "
                    + (given.isEmpty() ? "drawn with seed " + t : "given, or drawn with seed " + t) + ": " + DataSearch.describe(data, inputNames(r))));
            boolean[][] cells = dense(m, data, t);
            long seen = 0;
            for (boolean[] row : cells) {
                StringBuilder sb = new StringBuilder("  ");
                for (boolean c : row) { sb.append(c ? '#' : '.'); if (c) seen++; }
                System.out.println(sb);
            }
            System.out.printf("  sparsity at T = %d: %.1f%% of cells masked%n", t, 100.0 * (t * (long) t - seen) / (t * (long) t));
            Causality.Verdict c = Causality.check(m, heads.get(e.getKey()));
            System.out.println("  causal: " + (c.causal() ? "yes (" + c.reason() + ")" : "no: " + c.reason()
                    + (c.counterexample() == null ? "" : " at " + c.counterexample().at() + ", T = " + c.counterexample().t()
                    + (c.counterexample().data().tensors().isEmpty() ? "" : ", " + DataSearch.describe(c.counterexample().data(), inputNames(r))))));
            List<Long> empty = EmptyRows.rows(m, data, 0, 0, t, t);
            EmptyRows.Verdict ev = EmptyRows.check(m, self.get(e.getKey()), heads.get(e.getKey()));
            System.out.println("  empty rows at T = " + t + ": " + (empty.isEmpty() ? "none" : empty) + "; in general: "
                    + (ev.proven() ? "none (" + ev.reason() + ")" : ev.canBeEmpty() ? "possible, e.g. T = " + ev.row().t() + " with "
                    + DataSearch.describe(ev.row().data(), inputNames(r)) + ", query " + ev.row().q() : ev.reason()));
            TileKind[][] tiles = TileClassifier.map(m, data, 0, 0, t, t, tile, tile);
            StringBuilder tm = new StringBuilder("  tiles of " + tile + ": ");
            for (TileKind[] row : tiles) {
                for (TileKind k : row) tm.append(k == TileKind.FULL ? 'F' : k == TileKind.EMPTY ? '.' : 'P');
                tm.append(' ');
            }
            System.out.println(tm);
            if (png != null) {
                ImageIO.write(heat(cells), "png", png.resolve(e.getKey() + ".png").toFile());
                ImageIO.write(tileMap(cells, tiles), "png", png.resolve(e.getKey() + "-tiles.png").toFile());
            }
        }
        if (png != null) System.out.println("wrote " + 2 * masks.size() + " PNGs to " + png);
        return 0;
    }

    private static String regionText(Region m) {
        StringBuilder sb = new StringBuilder();
        for (Op o : m.ops()) sb.append(o.kind()).append(o.attrs()).append(o.operands().size()).append(';');
        for (Value v : DataSearch.captured(m)) sb.append('%').append(v.id());  // the same mask over other data is another mask
        return sb.toString();
    }

    private static Map<Value, String> inputNames(Elaborator.Result r) {
        Map<Value, String> out = new LinkedHashMap<>();
        for (Op in : r.graph().inputs()) out.put(in.result(), in.strAttr("name", "?"));
        return out;
    }

    /**
     * Data for the picture, drawn deterministically (seed T) in a shape that makes each mask
     * readable: integers give T / 2 for per-sample scalars (lengths, prefixes) and a random
     * permutation or sorted ids for per-token tensors; bools are a fair coin.
     */
    static MaskData.Given drawData(Region m, int t) {
        Random rnd = new Random(t);
        Map<Value, RefTensor> data = new LinkedHashMap<>();
        for (Value v : DataSearch.captured(m)) {
            long[] s = DataSearch.shapeAt(v, t);
            int n = 1;
            for (long x : s) n *= (int) x;
            double[] d = new double[n];
            DType dt = v.type().dtype();
            if (dt == DType.BOOL) for (int i = 0; i < n; i++) d[i] = rnd.nextBoolean() ? 1 : 0;
            else if (!dt.isInteger()) for (int i = 0; i < n; i++) d[i] = rnd.nextGaussian();
            else if (n == 1) d[0] = Math.max(1, t / 2);
            else {
                List<Integer> perm = new ArrayList<>();
                for (int i = 0; i < n; i++) perm.add(i);
                java.util.Collections.shuffle(perm, rnd);
                for (int i = 0; i < n; i++) d[i] = perm.get(i);
            }
            data.put(v, RefTensor.of(dt, s, d));
        }
        return new MaskData.Given(data);
    }

    /** The drawn data with the inputs named by --data replaced by the given values. */
    private MaskData.Given withGiven(MaskData.Given drawn, Map<Value, String> names) {
        Map<Value, RefTensor> out = new LinkedHashMap<>(drawn.tensors());
        for (String g : given) {
            int eq = g.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--data " + g + ": write INPUT=V1,V2,..., e.g. --data prefix=3");
            String name = g.substring(0, eq);
            Value v = out.keySet().stream().filter(x -> name.equals(names.get(x))).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "--data " + name + ": no mask reads an input `" + name + "`; the inputs they read are "
                            + out.keySet().stream().map(names::get).filter(java.util.Objects::nonNull).toList()));
            RefTensor drawnT = out.get(v);
            String[] parts = g.substring(eq + 1).split(",");
            if (parts.length != drawnT.size())
                throw new IllegalArgumentException("--data " + name + ": " + parts.length + " values, but it holds " + drawnT.size()
                        + " at T = " + t + " (shape " + java.util.Arrays.toString(drawnT.shape()) + ")");
            double[] d = new double[parts.length];
            for (int i = 0; i < d.length; i++) d[i] = Double.parseDouble(parts[i].trim());
            out.put(v, RefTensor.of(drawnT.dtype(), drawnT.shape(), d));
        }
        return new MaskData.Given(out);
    }

    static boolean[][] dense(Region m, MaskData.Given data, int t) {
        RegionEval ev = new RegionEval(m, data);
        boolean[][] out = new boolean[t][t];
        for (int q = 0; q < t; q++) for (int k = 0; k < t; k++) out[q][k] = ev.visible(0, 0, q, k);
        return out;
    }

    private static final int CELL = 16;

    /** Visible cells dark blue, masked cells white, grid lines grey; row q top to bottom, key k left to right. */
    static BufferedImage heat(boolean[][] cells) {
        int t = cells.length;
        BufferedImage img = new BufferedImage(t * CELL, t * CELL, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < t * CELL; y++)
            for (int x = 0; x < t * CELL; x++) {
                boolean line = y % CELL == 0 || x % CELL == 0;
                img.setRGB(x, y, line ? 0xB0B0B0 : cells[y / CELL][x / CELL] ? 0x1F3A93 : 0xFFFFFF);
            }
        return img;
    }

    /** The cells again, over each tile's class: FULL green, EMPTY light grey, PARTIAL orange. */
    static BufferedImage tileMap(boolean[][] cells, TileKind[][] tiles) {
        int t = cells.length, tile = (t + tiles.length - 1) / tiles.length;
        BufferedImage img = new BufferedImage(t * CELL, t * CELL, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < t * CELL; y++)
            for (int x = 0; x < t * CELL; x++) {
                TileKind k = tiles[y / CELL / tile][x / CELL / tile];
                int bg = k == TileKind.FULL ? 0x7CC47C : k == TileKind.EMPTY ? 0xE0E0E0 : 0xF0A040;
                boolean line = y % CELL == 0 || x % CELL == 0;
                boolean dot = Math.abs(y % CELL - CELL / 2) < 3 && Math.abs(x % CELL - CELL / 2) < 3 && cells[y / CELL][x / CELL];
                img.setRGB(x, y, line ? 0x909090 : dot ? 0x000000 : bg);
            }
        return img;
    }
}
