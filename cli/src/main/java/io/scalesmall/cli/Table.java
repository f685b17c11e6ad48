package io.scalesmall.cli;

import java.io.PrintStream;
import java.util.List;

/** Plain text tables: columns padded to their widest cell, two spaces apart. */
final class Table {
    private Table() {}

    /** Prints {@code rows} (the first one is the header). */
    static void print(PrintStream out, List<String[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder line = new StringBuilder();
        for (String[] row : rows) {
            line.setLength(0);
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line);
        }
    }
}
