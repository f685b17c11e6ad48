package io.scalesmall.cli;

import io.scalesmall.protocol.NodeId;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall health}: whether the cluster is healthy, as its exit status says: every member
 * ALIVE (or LEFT, gone for good) and no under-replicated batch. Once, or every second with
 * {@code --watch}, or until healthy with {@code --exit-when-healthy}.
 */
@Command(
        name = "health",
        mixinStandardHelpOptions = true,
        description = {
            "Check the cluster: every member ALIVE (or LEFT) and no under-replicated batch.",
            "Exit status: 0 healthy, 3 no node answered, 4 not healthy (1 and 2 are errors and bad"
                    + " options, as for every command)."
        })
final class HealthCommand implements Callable<Integer> {
    static final int HEALTHY = 0;
    static final int UNREACHABLE = 3;
    static final int NOT_HEALTHY = 4;

    @Mixin
    QueryOptions query;

    @Option(names = "--watch", description = "Check every second, a line each time, until Ctrl-C.")
    boolean watch;

    @Option(
            names = "--exit-when-healthy",
            description = "Check every second until the cluster is healthy; exit 1 (or 2) if it is not by --wait-ms.")
    boolean exitWhenHealthy;

    @Option(
            names = "--wait-ms",
            defaultValue = "300000",
            description = "How long --exit-when-healthy waits (default: ${DEFAULT-VALUE}).")
    long waitMs;

    /** One look at the cluster. */
    record Check(int code, List<String> problems, Map<String, Integer> members, long underReplicated) {
        boolean healthy() {
            return code == HEALTHY;
        }
    }

    @Override
    public Integer call() throws Exception {
        boolean json = query.printJson();
        if (waitMs < 1) {
            throw new IllegalArgumentException("--wait-ms must be positive");
        }
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        PrintStream out = System.out;
        while (true) {
            Check check = check(query.server, query.auth, query.timeoutMs);
            out.println(json ? Json.line(toJson(check)) : line(check));
            out.flush();
            if (exitWhenHealthy) {
                if (check.healthy() || System.nanoTime() - deadline >= 0) {
                    return check.code();
                }
            } else if (!watch) {
                return check.code();
            }
            Thread.sleep(1_000);
        }
    }

    /** Asks the cluster once. */
    static Check check(String servers, AccessOptions access, long timeoutMs) throws InterruptedException {
        StreamsCommand.Report report;
        try {
            report = StreamsCommand.report(servers, access, timeoutMs, new String[0]);
        } catch (IllegalStateException e) {
            return new Check(UNREACHABLE, List.of(e.getMessage()), Map.of(), 0);
        }
        List<String> problems = new ArrayList<>();
        Map<String, Integer> members = new TreeMap<>();
        for (Map.Entry<NodeId, String> m : report.status().entrySet()) {
            members.merge(m.getValue(), 1, Integer::sum);
            if (!m.getValue().equals("ALIVE") && !m.getValue().equals("LEFT")) {
                problems.add("member " + m.getKey().toString().substring(0, 8) + " is " + m.getValue());
            }
        }
        long under = 0;
        for (Map<String, Object> s : report.streams()) {
            long missing = (Long) s.get("underReplicatedBatches");
            if (missing > 0) {
                problems.add("stream " + s.get("name") + " has " + missing + " under-replicated batches");
            }
            under += missing;
        }
        return new Check(problems.isEmpty() ? HEALTHY : NOT_HEALTHY, problems, members, under);
    }

    private static String line(Check c) {
        if (c.code() == UNREACHABLE) {
            return "unreachable: " + String.join("; ", c.problems());
        }
        StringBuilder counts = new StringBuilder();
        c.members()
                .forEach((status, n) -> counts.append(counts.length() == 0 ? "" : ", ")
                        .append(n)
                        .append(' ')
                        .append(status));
        String summary = "members " + counts + "; " + c.underReplicated() + " under-replicated batches";
        return c.healthy() ? "healthy: " + summary : "not healthy: " + String.join("; ", c.problems());
    }

    private static Map<String, Object> toJson(Check c) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("healthy", c.healthy());
        o.put("reachable", c.code() != UNREACHABLE);
        o.put("members", c.members());
        o.put("underReplicatedBatches", c.underReplicated());
        o.put("problems", c.problems());
        return o;
    }
}
