package io.scalesmall.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command reaches nodes that protect their client port (docs/SECURITY.md): the credential
 * ({@link TokenOption}), and TLS, with the CA to trust and the certificate to show for mutual TLS.
 */
final class AccessOptions {
    @picocli.CommandLine.Mixin
    TokenOption credential;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "Connect with TLS, trusting the CA certificates (PEM) in FILE.")
    Path tlsCa;

    @Option(names = "--tls", description = "Connect with TLS, trusting the JDK's CA certificates.")
    boolean tls;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "Certificate chain (PEM) to show nodes that require one (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Private key (PEM, PKCS#8) of --tls-cert.")
    Path tlsKey;

    /** {@code builder} with the token and TLS settings given. */
    io.scalesmall.client.ClientConfig.Builder apply(io.scalesmall.client.ClientConfig.Builder builder)
            throws IOException {
        builder.token(credential.token());
        if (tls || tlsCa != null) {
            builder.tls(tlsCa);
        }
        if (tlsCert != null || tlsKey != null) {
            if (tlsCert == null || tlsKey == null) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            builder.tlsClientCertificate(tlsCert, tlsKey);
        }
        return builder;
    }
}
