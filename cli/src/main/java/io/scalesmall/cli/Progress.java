package io.scalesmall.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar on stderr for commands that run for more than a second: redrawn in place every
 * second on a terminal (or when asked with {@code --progress}), never on stdout, which carries the
 * command's result.
 *
 * <p>Thread-safe: one daemon thread draws; {@link #close} stops it.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String what;
    private final long total;
    private final LongSupplier done;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean drawn;

    /**
     * @param what what is counted ("acked")
     * @param total how many there will be, or -1 when unknown
     * @param done how many there are so far
     */
    private Progress(PrintStream out, String what, long total, LongSupplier done) {
        this.out = out;
        this.what = what;
        this.total = total;
        this.done = done;
        this.thread = new Thread(this::run, "scalesmall-progress");
        this.thread.setDaemon(true);
    }

    /** Starts a bar when stderr is a terminal or {@code forced}; otherwise one that draws nothing. */
    static Progress start(boolean forced, String what, long total, LongSupplier done) {
        return startIf(forced || System.console() != null, what, total, done);
    }

    /** Starts a bar that draws on stderr when {@code draw}, else one that draws nothing. */
    static Progress startIf(boolean draw, String what, long total, LongSupplier done) {
        Progress p = new Progress(System.err, what, total, done);
        if (draw) {
            p.thread.start();
        }
        return p;
    }

    private void run() {
        try {
            while (true) {
                Thread.sleep(1_000);
                draw();
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void draw() {
        double seconds = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
        long now = done.getAsLong();
        out.print("\r" + line(what, now, total, now / seconds));
        out.flush();
        drawn = true;
    }

    /** One frame of the bar: {@code [=====>     ] 45,000 / 100,000 acked, 52,310/s}. */
    static String line(String what, long done, long total, double perSecond) {
        StringBuilder b = new StringBuilder();
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            b.append('[').append("=".repeat(filled));
            if (filled < WIDTH) {
                b.append('>').append(" ".repeat(WIDTH - filled - 1));
            }
            b.append("] ").append(String.format(Locale.ROOT, "%,d / %,d %s", done, total, what));
        } else {
            b.append(String.format(Locale.ROOT, "%,d %s", done, what));
        }
        return b.append(String.format(Locale.ROOT, ", %,.0f/s", perSecond)).toString();
    }

    /** Stops drawing; ends the bar's line with a last frame when it drew any. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            draw();
            out.println();
            out.flush();
        }
    }
}
