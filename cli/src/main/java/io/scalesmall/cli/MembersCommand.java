package io.scalesmall.cli;

import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MembersResponse.Member;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code scalesmall members}: asks one node for the cluster's member table and prints every
 * member's id, addresses, status, incarnation, capacity and zone, as a table or as one JSON
 * object with a {@code members} array.
 */
@Command(
        name = "members",
        mixinStandardHelpOptions = true,
        description = "Print the cluster's members as the given node sees them.")
final class MembersCommand implements Callable<Integer> {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    @Mixin
    QueryOptions query;

    @Override
    public Integer call() throws Exception {
        boolean printJson = query.printJson();
        MembersResponse table = fetch();
        List<Member> members = new ArrayList<>(table.members());
        members.sort(Comparator.comparing(m -> m.id().toString()));
        PrintStream out = System.out;
        if (printJson) {
            out.println(Json.line(Map.of(
                    "members", members.stream().map(MembersCommand::toJson).toList())));
        } else {
            printTable(out, members);
        }
        out.flush();
        return 0;
    }

    private MembersResponse fetch() throws InterruptedException {
        return Servers.request(
                query.server,
                "scalesmall-cli-members",
                query.auth,
                query.timeoutMs,
                "the member table",
                c -> c.members());
    }

    private static Map<String, Object> toJson(Member m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.id().toString());
        o.put("address", address(m.clusterHost(), m.clusterPort()));
        o.put("clientAddress", address(m.clientHost(), m.clientPort()));
        o.put("status", m.status());
        o.put("incarnation", m.incarnation());
        o.put("sinceMs", m.sinceMs());
        o.put("diskBytes", m.diskBytes());
        o.put("memoryBytes", m.memoryBytes());
        o.put("cores", m.cores());
        o.put("zone", m.zone());
        return o;
    }

    private static void printTable(PrintStream out, List<Member> members) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "ADDRESS", "CLIENT", "STATUS", "INCARNATION", "DISK", "MEMORY", "CORES", "ZONE"});
        for (Member m : members) {
            rows.add(new String[] {
                m.id().toString(),
                address(m.clusterHost(), m.clusterPort()),
                address(m.clientHost(), m.clientPort()),
                m.status(),
                Long.toString(m.incarnation()),
                humanBytes(m.diskBytes()),
                humanBytes(m.memoryBytes()),
                Integer.toString(m.cores()),
                m.zone().isEmpty() ? "-" : m.zone()
            });
        }
        Table.print(out, rows);
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    static String address(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 1.0 TiB}. */
    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
