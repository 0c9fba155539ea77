package strata.cli;

import java.io.PrintStream;

/**
 * Progress of a long command: on a terminal, one line redrawn in place with a bar, the rate and
 * the time left; otherwise (a log, CI) a plain line every few percent.
 */
final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final long total, first;
    private final long started = System.nanoTime();
    private long lastDraw, lastPlain = -1;
    private boolean drawn;

    /** Counts from {@code first} (a resumed run) to {@code total}. */
    Progress(PrintStream out, long first, long total) {
        this.out = out;
        this.first = first;
        this.total = total;
        java.io.Console c = System.console();
        this.terminal = c != null && c.isTerminal();
    }

    /** {@code done} units finished; {@code status} is what to show beside the bar (loss, tokens/s). */
    void update(long done, String status) {
        double secs = (System.nanoTime() - started) / 1e9;
        double rate = (done - first) / Math.max(secs, 1e-9);
        String eta = done > first ? clock((total - done) / rate) : "--:--";
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && done < total) return;
            lastDraw = now;
            int width = 24, fill = (int) (width * done / Math.max(1, total));
            out.print("\r[" + "#".repeat(fill) + ".".repeat(width - fill) + "] " + done + "/" + total + "  " + status + "  " + String.format("%.1f it/s", rate) + "  ETA " + eta + "   ");
            out.flush();
            drawn = true;
        } else {
            long every = Math.max(1, total / 20);
            if (done / every == lastPlain && done < total) return;
            lastPlain = done / every;
            out.println("step " + done + "/" + total + "  " + status + String.format("  %.1f it/s", rate) + "  ETA " + eta);
        }
    }

    /** A line of its own (an evaluation), below the bar. */
    void line(String s) {
        if (terminal && drawn) out.print("\r" + " ".repeat(100) + "\r");
        out.println(s);
        lastDraw = 0;
    }

    void finish() {
        if (terminal && drawn) out.println();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
