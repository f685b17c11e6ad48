package io.scalesmall.cli;

import io.scalesmall.client.From;
import io.scalesmall.client.Lag;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.LagResponse;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall lag}: how far a saved cursor (what {@code consume} printed last) is behind the
 * end of a stream, in messages and in time. The ranges' holders count from their batch headers,
 * so nothing is read but counts.
 */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = "Show how far a saved cursor is behind the end of a stream, in messages and in time.")
final class LagCommand implements Callable<Integer> {
    @Mixin
    QueryOptions query;

    @Option(names = "--stream", required = true, description = "The stream.")
    String stream;

    @Option(
            names = "--cursor",
            required = true,
            description = "The reader's position: a cursor printed by consume, or beginning, end, epoch"
                    + " milliseconds or an ISO-8601 instant.")
    String cursor;

    @Override
    public Integer call() throws Exception {
        boolean printJson = query.printJson();
        From from = Servers.from(cursor);
        Lag lag = Servers.request(
                query.server,
                "scalesmall-cli-lag",
                query.auth,
                query.timeoutMs,
                "the lag of " + stream,
                c -> c.lag(stream, from));
        long now = System.currentTimeMillis();
        PrintStream out = System.out;
        if (printJson) {
            out.println(Json.line(toJson(lag, now)));
        } else {
            printTable(out, lag, now);
        }
        return 0;
    }

    static Map<String, Object> toJson(Lag lag, long nowMs) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("stream", lag.stream());
        o.put("messages", lag.messages());
        o.put("batches", lag.batches());
        o.put("timeBehindMs", lag.timeBehindMs(nowMs));
        o.put("oldestUnreadMs", lag.oldestUnreadMs());
        o.put("newestMs", lag.newestMs());
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (LagResponse r : lag.ranges()) {
            Map<String, Object> range = new LinkedHashMap<>();
            range.put("rangeId", r.rangeId());
            range.put("messages", r.messages());
            range.put("batches", r.batches());
            range.put("oldestUnreadMs", r.batches() == 0 ? -1 : BatchFormat.hlcMillis(r.firstUnreadHlc()));
            range.put("sealed", r.sealed());
            ranges.add(range);
        }
        o.put("ranges", ranges);
        return o;
    }

    private static void printTable(PrintStream out, Lag lag, long nowMs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"STREAM", "RANGE", "STATE", "MESSAGES BEHIND", "BATCHES", "OLDEST UNREAD"});
        for (LagResponse r : lag.ranges()) {
            rows.add(new String[] {
                lag.stream(),
                Integer.toString(r.rangeId()),
                r.sealed() ? "sealed" : "current",
                String.format("%,d", r.messages()),
                String.format("%,d", r.batches()),
                r.batches() == 0
                        ? "-"
                        : Instant.ofEpochMilli(BatchFormat.hlcMillis(r.firstUnreadHlc()))
                                .toString()
            });
        }
        Table.print(out, rows);
        out.printf(
                "%s: %,d messages behind in %,d batches; %s%n",
                lag.stream(),
                lag.messages(),
                lag.batches(),
                lag.messages() == 0
                        ? "caught up"
                        : "the oldest unread was stored " + human(Duration.ofMillis(lag.timeBehindMs(nowMs))) + " ago");
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h " + (s % 3600) / 60 + " min";
    }
}
