package strata.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A training run's log: one CSV row per step (validation loss where evaluated) and a PNG of the curves at the end. */
final class LossCurve {
    static final String HEADER = "step,train_loss,lr,grad_norm,val_loss,tokens_per_s";

    record Row(long step, double loss, double lr, double gradNorm, double valLoss, double tokensPerSecond) {
        String csv() {
            return step + "," + loss + "," + lr + "," + gradNorm + "," + (Double.isNaN(valLoss) ? "" : valLoss) + "," + Math.round(tokensPerSecond);
        }
    }

    private final Path csv;
    private final List<Row> rows = new ArrayList<>();

    /** Opens the log; a resumed run keeps the rows of the steps it had done and drops any written after its checkpoint. */
    LossCurve(Path csv, long resumedAt) throws IOException {
        this.csv = csv;
        if (resumedAt > 0 && Files.isRegularFile(csv)) {
            for (String line : Files.readAllLines(csv)) {
                if (line.startsWith("step")) continue;
                String[] f = line.split(",", -1);
                long step = Long.parseLong(f[0]);
                if (step < resumedAt)
                    rows.add(new Row(step, Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                            f[4].isEmpty() ? Double.NaN : Double.parseDouble(f[4]), Double.parseDouble(f[5])));
            }
        }
        flush();
    }

    void add(Row r) { rows.add(r); }

    /** Rewrites the CSV (through a temporary file, so a killed run never leaves half a log). */
    void flush() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) sb.append(r.csv()).append('\n');
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Training loss per step (light) and validation loss where evaluated (dark), loss on a linear axis. */
    void png(Path file, String title) throws IOException {
        int w = 800, h = 480, left = 60, right = 20, top = 40, bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        if (rows.isEmpty()) {
            ImageIO.write(img, "png", file.toFile());
            return;
        }
        long maxStep = rows.getLast().step() + 1;
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (Row r : rows) {
            for (double v : new double[] {r.loss(), r.valLoss()})
                if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        }
        if (hi <= lo) hi = lo + 1;
        double ylo = lo, yhi = hi;
        java.util.function.DoubleUnaryOperator x = s -> left + (w - left - right) * s / maxStep;
        java.util.function.DoubleUnaryOperator y = v -> top + (h - top - bottom) * (1 - (v - ylo) / (yhi - ylo));
        g.setColor(Color.GRAY);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            g.drawString(String.format("%.2f", v), 8, (int) y.applyAsDouble(v) + 4);
            g.drawString(Long.toString(maxStep * i / 4), (int) x.applyAsDouble(maxStep * i / 4.0) - 10, h - bottom + 18);
        }
        g.drawString("step", w / 2 - 10, h - 12);
        g.setColor(Color.BLACK);
        g.drawString(title + "   (train: light, validation: dark)", left, 24);
        g.setColor(new Color(120, 170, 230));
        for (int i = 1; i < rows.size(); i++) {
            Row a = rows.get(i - 1), b = rows.get(i);
            g.drawLine((int) x.applyAsDouble(a.step()), (int) y.applyAsDouble(a.loss()), (int) x.applyAsDouble(b.step()), (int) y.applyAsDouble(b.loss()));
        }
        g.setColor(new Color(20, 40, 120));
        g.setStroke(new BasicStroke(2.5f));
        Row prev = null;
        for (Row r : rows) {
            if (!Double.isFinite(r.valLoss())) continue;
            int px = (int) x.applyAsDouble(r.step()), py = (int) y.applyAsDouble(r.valLoss());
            g.fillOval(px - 3, py - 3, 7, 7);
            if (prev != null) g.drawLine((int) x.applyAsDouble(prev.step()), (int) y.applyAsDouble(prev.valLoss()), px, py);
            prev = r;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
