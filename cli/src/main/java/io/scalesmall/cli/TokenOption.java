package io.scalesmall.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The credential a command authenticates with, for nodes that require one ({@code auth.file}):
 * read from {@code --token-file}, else the {@code SCALESMALL_TOKEN} environment variable; none
 * otherwise. Never a flag of its own, which other users could read in the process list.
 */
final class TokenOption {
    /** The environment variable holding a token. */
    static final String ENV = "SCALESMALL_TOKEN";

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding the token to authenticate with (default: the " + ENV
                    + " environment variable, if set).")
    Path tokenFile;

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
