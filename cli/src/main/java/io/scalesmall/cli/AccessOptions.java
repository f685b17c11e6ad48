package io.scalesmall.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command reaches nodes that protect their port (docs/SECURITY.md): the credential, read
 * from {@code --token-file}, else the {@code SCALESMALL_TOKEN} environment variable (never a flag
 * of its own, which other users could read in the process list); and TLS, with the CA to trust and
 * the certificate to show for mutual TLS.
 */
final class AccessOptions {
    /** The environment variable holding a token. */
    static final String ENV = "SCALESMALL_TOKEN";

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding the token to authenticate with (default: the " + ENV
                    + " environment variable, if set).")
    Path tokenFile;

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
        builder.token(token());
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

    /** The token, or null when none is given. */
    String token() throws IOException {
        if (tokenFile != null) {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
            }
            return token;
        }
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? null : env.strip();
    }
}
