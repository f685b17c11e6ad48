package io.scalesmall.cli;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.DurabilityPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Shared by the client commands: server lists, one-off requests, start positions. */
final class Servers {
    private Servers() {}

    /** A client config for a comma-separated list of seeds. */
    static ClientConfig.Builder config(String servers, String clientId, DurabilityPolicy durability) {
        List<String> list = Arrays.stream(servers.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--server needs at least one HOST:PORT");
        }
        return ClientConfig.builder().servers(list).clientId(clientId).durability(durability);
    }

    /**
     * Sends one request through a short-lived client to the first of {@code servers} that
     * answers and waits for the answer; fails with a message naming {@code what} and the servers.
     */
    static <T> T request(
            String servers,
            String clientId,
            AccessOptions access,
            long timeoutMs,
            String what,
            Function<ScaleSmallClient, CompletableFuture<T>> request)
            throws InterruptedException {
        ClientConfig.Builder builder;
        try {
            builder = access.apply(config(servers, clientId, DurabilityPolicy.MEMORY_1));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the token: " + e.getMessage(), e);
        }
        ScaleSmallClient client = ScaleSmallClient.create(builder.requestTimeoutMs(timeoutMs)
                .connectTimeoutMs((int) Math.min(timeoutMs, Integer.MAX_VALUE))
                .build());
        try {
            // the client fails the request itself after timeoutMs; the extra wait is a backstop
            return request.apply(client).get(timeoutMs + 2_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "cannot get " + what + " from " + servers + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "cannot get " + what + " from " + servers + ": no answer within " + timeoutMs + " ms", e);
        } finally {
            client.close(Duration.ofMillis(500));
        }
    }

    /** Parses {@code beginning}, {@code end}, epoch milliseconds, an ISO-8601 instant or a cursor token. */
    static From from(String text) {
        String t = text.trim();
        switch (t.toLowerCase(Locale.ROOT)) {
            case "beginning", "earliest", "start" -> {
                return From.beginning();
            }
            case "end", "latest" -> {
                return From.end();
            }
            default -> {}
        }
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            return From.timestamp(Long.parseLong(t));
        }
        if (t.contains(":")) {
            try {
                return From.timestamp(Instant.parse(t));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "--from '" + t + "' is not an ISO-8601 instant like 2026-11-25T10:00:00Z");
            }
        }
        return From.cursor(t);
    }
}
