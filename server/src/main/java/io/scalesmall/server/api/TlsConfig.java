package io.scalesmall.server.api;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * TLS on the client port (clients, and other nodes' data connections) and on this node's own data
 * connections to other nodes, from PEM files.
 *
 * @param certFile this node's certificate chain (PEM), or null for no TLS
 * @param keyFile its private key (PEM, PKCS#8)
 * @param caFile certificates (PEM) that clients' and other nodes' certificates must chain to, and
 *     that this node trusts when it connects to another; required with TLS, so that no certificate
 *     from a public CA passes for a node or a client
 * @param required refuse plaintext connections (clients and nodes); otherwise the port serves both
 * @param clientAuth {@code none}, {@code optional} or {@code require}: whether connecting clients
 *     (and nodes) must present a certificate signed by {@code caFile} (mutual TLS)
 */
public record TlsConfig(Path certFile, Path keyFile, Path caFile, boolean required, String clientAuth) {
    /** No TLS. */
    public static final TlsConfig NONE = new TlsConfig(null, null, null, false, "none");

    public TlsConfig {
        clientAuth = clientAuth == null ? "none" : clientAuth.toLowerCase(Locale.ROOT);
        if (!clientAuth.equals("none") && !clientAuth.equals("optional") && !clientAuth.equals("require")) {
            throw new IllegalArgumentException("tls.client.auth must be none, optional or require, not " + clientAuth);
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("tls.cert.file and tls.key.file go together");
        }
        if (certFile == null && (required || !clientAuth.equals("none"))) {
            throw new IllegalArgumentException("tls.required and tls.client.auth need tls.cert.file and tls.key.file");
        }
        if (certFile != null && caFile == null) {
            throw new IllegalArgumentException("TLS needs tls.ca.file: the CA that nodes' and clients' certificates"
                    + " chain to (otherwise any certificate from a public CA would pass for a node)");
        }
        if (clientAuth.equals("require") && !required) {
            throw new IllegalArgumentException("tls.client.auth=require needs tls.required=true: otherwise a"
                    + " plaintext client skips the certificate check");
        }
        for (Path file : new Path[] {certFile, keyFile, caFile}) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("TLS file " + file + " cannot be read");
            }
        }
    }

    /** Whether the node speaks TLS. */
    public boolean enabled() {
        return certFile != null;
    }

    /** The server side: the client port's context. */
    public SslContext serverContext() {
        return serverContext(
                switch (clientAuth) {
                    case "require" -> ClientAuth.REQUIRE;
                    case "optional" -> ClientAuth.OPTIONAL;
                    default -> ClientAuth.NONE;
                });
    }

    /**
     * The admin HTTP port's context: the node's certificate, asking no client certificate (browsers
     * and Prometheus authenticate with a bearer token there).
     */
    public SslContext httpContext() {
        return serverContext(ClientAuth.NONE);
    }

    private SslContext serverContext(ClientAuth auth) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile());
            if (caFile != null) {
                b.trustManager(caFile.toFile());
            }
            b.clientAuth(auth);
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot use tls.cert.file " + certFile + " and tls.key.file " + keyFile
                            + (caFile == null ? "" : " with tls.ca.file " + caFile) + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * A JDK {@link javax.net.ssl.SSLContext} that trusts only the CA certificates (PEM) in {@code
     * caFile}, for HTTPS clients of admin endpoints (the JDK's HttpClient checks the host name).
     */
    public static javax.net.ssl.SSLContext httpsTrusting(Path caFile) {
        try {
            SslContext netty = SslContextBuilder.forClient()
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                    .trustManager(caFile.toFile())
                    .build();
            return ((io.netty.handler.ssl.JdkSslContext) netty).context();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot trust the CA certificates in " + caFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The client side, for this node's data connections to other nodes: it trusts only {@code
     * caFile}, checks that the other node's certificate names the address it advertises (give
     * each node's certificate its advertised host or IP in subjectAltName), and shows its own
     * certificate (for mutual TLS).
     */
    public SslContext peerContext() {
        try {
            return SslContextBuilder.forClient()
                    .keyManager(certFile.toFile(), keyFile.toFile())
                    .trustManager(caFile.toFile())
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot make a TLS client context from tls.cert.file " + certFile + ": " + e.getMessage(), e);
        }
    }
}
