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
    private static final long MAX_TIMEOUT_MS = 7L * 24 * 3600 * 1000;
    private static final java.util.regex.Pattern DRAIN = java.util.regex.Pattern.compile("\"drain\":\"(\\w+)\"");

    @Option(names = "--http", required = true, paramLabel = "HOST:PORT", description = "The node's admin HTTP address.")
    String http;

    @Option(
            names = "--timeout-ms",
            defaultValue = "600000",
            description = "How long the node hands off before it leaves anyway (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @picocli.CommandLine.Mixin
    TokenOption auth;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "Use HTTPS, trusting the CA certificates (PEM) in FILE (for nodes with TLS).")
    java.nio.file.Path tlsCa;

    @Override
    public Integer call() throws Exception {
        if (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("--timeout-ms must be from 1 to " + MAX_TIMEOUT_MS + " (a week)");
        }
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tlsCa != null) {
            builder.sslContext(io.scalesmall.server.api.TlsConfig.httpsTrusting(tlsCa));
        }
        HttpClient client = builder.build();
        URI base = URI.create((tlsCa != null ? "https://" : "http://") + http);
        HttpResponse<String> started;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/admin/leave?timeout_ms=" + timeoutMs))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10));
            String token = auth.token();
            if (token != null) {
                // A node with principals wants an admin's token for /admin/ paths.
                request.header("Authorization", "Bearer " + token);
            }
            started = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
        long start = System.nanoTime();
        long limit = TimeUnit.MILLISECONDS.toNanos(timeoutMs) + TimeUnit.SECONDS.toNanos(60);
        String drain = "running";
        int refused = 0;
        while (refused < 3 && System.nanoTime() - start < limit) {
            try {
                HttpResponse<String> health = client.send(
                        HttpRequest.newBuilder(base.resolve("/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                refused = 0;
                java.util.regex.Matcher m = DRAIN.matcher(health.body());
                if (m.find()) {
                    drain = m.group(1);
                }
            } catch (ConnectException e) {
                refused++; // gone, unless it is restarting: ask again to be sure
            } catch (IOException e) {
                refused = 0; // busy or going: ask again
            }
            Thread.sleep(250);
        }
        boolean gone = refused >= 3;
        boolean handedOff = gone && drain.equals("done");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("left", gone);
        summary.put("handedOff", handedOff);
        summary.put("drain", drain);
        summary.put("http", http);
        System.out.println(Json.line(summary));
        return handedOff ? 0 : 1;
    }
}
