package io.scalesmall.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall leave}: asks a node, through its admin HTTP port, to hand its data off to the
 * other nodes and leave the cluster, then waits until its process is gone.
 */
@Command(
        name = "leave",
        mixinStandardHelpOptions = true,
        description = "Hand a node's data off to the others, then stop it (needs the node's --http-port).")
final class LeaveCommand implements Callable<Integer> {
    @Option(names = "--http", required = true, paramLabel = "HOST:PORT", description = "The node's admin HTTP address.")
    String http;

    @Option(
            names = "--timeout-ms",
            defaultValue = "600000",
            description = "How long the node hands off before it leaves anyway (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Override
    public Integer call() throws Exception {
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("--timeout-ms must be positive");
        }
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://" + http);
        HttpResponse<String> started;
        try {
            started = client.send(
                    HttpRequest.newBuilder(base.resolve("/admin/leave?timeout_ms=" + timeoutMs))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot reach the admin HTTP port at " + http + ": "
                            + (e.getMessage() == null ? e : e.getMessage()),
                    e);
        }
        if (started.statusCode() != 202) {
            throw new IllegalStateException("the node at " + http + " refused to leave (" + started.statusCode() + "): "
                    + started.body().strip());
        }
        System.err.println("handing off " + http + "'s data; the node stops once done (see its log for progress)");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs) + TimeUnit.SECONDS.toNanos(60);
        boolean gone = false;
        while (!gone && System.nanoTime() < deadline) {
            try {
                client.send(
                        HttpRequest.newBuilder(base.resolve("/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                Thread.sleep(500);
            } catch (ConnectException e) {
                gone = true;
            } catch (IOException e) {
                Thread.sleep(500); // busy or going: ask again
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("left", gone);
        summary.put("http", http);
        System.out.println(Json.line(summary));
        return gone ? 0 : 1;
    }
}
