package io.scalesmall.cli;

import io.scalesmall.server.api.Principals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall token}: makes a client credential. Writes a new random token to a file only its
 * owner may read, and prints the principal to add to every node's {@code auth.file}, with the
 * token's SHA-256 instead of the token, so that the principals file holds no secret.
 */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = {
            "Make a token for a principal: write it to --out (readable by its owner only) and print",
            "the principal to add to every node's auth.file (with the token's SHA-256, not the token)."
        })
final class TokenCommand implements Callable<Integer> {
    /** Random bytes of a token: 256 bits. */
    static final int TOKEN_BYTES = 32;

    @Option(names = "--name", required = true, description = "The principal's name.")
    String name;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "Where to write the token (a new file).")
    Path out;

    @Option(
            names = "--publish",
            split = ",",
            paramLabel = "PATTERN",
            description = "Streams it may publish to (* matches any characters), comma-separated.")
    List<String> publish = List.of();

    @Option(
            names = "--consume",
            split = ",",
            paramLabel = "PATTERN",
            description = "Streams it may consume from, comma-separated.")
    List<String> consume = List.of();

    @Option(names = "--monitor", description = "It may read the admin HTTP API and /metrics.")
    boolean monitor;

    @Option(names = "--admin", description = "It may use every path of the admin HTTP API.")
    boolean admin;

    @Override
    public Integer call() throws IOException {
        if (name.isBlank()) {
            throw new IllegalArgumentException("--name must not be blank");
        }
        byte[] random = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(out + " exists: a token file is never overwritten", e);
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(out);
        }
        Files.writeString(out, token + "\n", StandardCharsets.UTF_8);
        StringBuilder yaml = new StringBuilder()
                .append("  - name: ")
                .append(quoted(name))
                .append('\n')
                .append("    tokenSha256: \"")
                .append(HexFormat.of().formatHex(Principals.sha256(token)))
                .append("\"\n");
        if (!publish.isEmpty()) {
            yaml.append("    publish: ").append(list(publish)).append('\n');
        }
        if (!consume.isEmpty()) {
            yaml.append("    consume: ").append(list(consume)).append('\n');
        }
        if (monitor) {
            yaml.append("    monitor: true\n");
        }
        if (admin) {
            yaml.append("    admin: true\n");
        }
        System.err.println("wrote the token to " + out + "; add this principal to every node's auth.file"
                + " (nodes re-read it within auth.reload.ms):");
        System.out.print(yaml);
        return 0;
    }

    private static String list(List<String> patterns) {
        StringBuilder out = new StringBuilder("[");
        for (String p : patterns) {
            out.append(out.length() > 1 ? ", " : "").append(quoted(p));
        }
        return out.append(']').toString();
    }

    /** A YAML double-quoted string. */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
