package io.scalesmall.cli;

import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of the commands that ask the cluster for state and print it: where, how long, how. */
final class QueryOptions {
    @Option(
            names = "--server",
            required = true,
            description = "HOST:PORT[,HOST:PORT...] of nodes; the first that answers is asked.")
    String server;

    @Mixin
    AccessOptions auth;

    @Option(names = "--json", description = "Print one JSON object instead of a table (same as --format json).")
    boolean json;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--timeout-ms",
            defaultValue = "5000",
            description = "Give up on a node that does not answer within this long (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    /**
     * Whether to print JSON rather than a table.
     *
     * @throws IllegalArgumentException for a format other than table or json, or a timeout below 1
     */
    boolean printJson() {
        String f = format.trim().toLowerCase(Locale.ROOT);
        if (!f.equals("table") && !f.equals("json")) {
            throw new IllegalArgumentException("--format must be table or json, not '" + format + "'");
        }
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("--timeout-ms must be positive");
        }
        return json || f.equals("json");
    }
}
