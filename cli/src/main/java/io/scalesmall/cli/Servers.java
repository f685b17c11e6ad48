package io.scalesmall.cli;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.protocol.DurabilityPolicy;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Parsing shared by the client commands: server lists, start positions. */
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
