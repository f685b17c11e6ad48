package io.scalesmall.server.cluster;

/**
 * A host and port as written by an operator or advertised by a node. Never resolved here: the
 * protocol classes must not do DNS, so resolving is the transport's business.
 *
 * @param host a host name or literal address
 * @param port 1..65535
 */
public record Endpoint(String host, int port) {
    public Endpoint {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("an endpoint needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port);
        }
    }

    /** Parses {@code HOST:PORT} (an IPv6 literal in brackets: {@code [::1]:7000}). */
    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'", e);
        }
        return new Endpoint(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
