package io.scalesmall.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * Who may connect and what each may do: the principals of the file named by {@code auth.file},
 * each with a token (or its SHA-256) and the stream patterns it may publish to and consume from.
 * A client names its token in HELLO; a node with principals refuses a HELLO without a known token,
 * and requests outside the principal's permissions.
 *
 * <pre>
 * principals:
 *   - name: orders-service
 *     token: "a long random string"          # or tokenSha256: hex of its SHA-256
 *     publish: ["orders", "orders-*"]         # stream patterns; * matches any characters
 *     consume: ["orders*"]
 *   - name: ops
 *     tokenSha256: "9f86d08..."
 *     consume: ["*"]
 *     admin: true                            # the admin HTTP API, reading and changing
 *   - name: prometheus
 *     tokenSha256: "2c26b46..."
 *     monitor: true                          # the admin HTTP API's read-only paths and /metrics
 *   - name: billing
 *     certificateSubject: "CN=billing,O=Acme" # mutual TLS: a client certificate with this subject
 *     consume: ["orders"]
 * </pre>
 *
 * <p>A client authenticates with its token in HELLO or, on a mutual-TLS connection without a
 * token, with the subject of the certificate the TLS handshake verified.
 *
 * <p>Immutable and thread-safe.
 */
public final class Principals {
    /** What a principal may do on a stream. */
    public enum Action {
        PUBLISH,
        CONSUME
    }

    /**
     * One principal: its name, token hash and permissions. {@code admin} may use every path of the
     * admin HTTP API; {@code monitor} only the read-only ones ({@code /api/...}, {@code /metrics}).
     */
    public record Principal(
            String name,
            byte[] tokenSha256,
            X500Principal certificateSubject,
            List<Pattern> publish,
            List<Pattern> consume,
            boolean admin,
            boolean monitor) {
        /** Either credential may be null, not both. */
        public Principal {
            tokenSha256 = tokenSha256 == null ? null : tokenSha256.clone();
            publish = List.copyOf(publish);
            consume = List.copyOf(consume);
        }

        /** Whether this principal may do {@code action} on {@code stream}. */
        public boolean may(Action action, String stream) {
            for (Pattern p : action == Action.PUBLISH ? publish : consume) {
                if (p.matcher(stream).matches()) {
                    return true;
                }
            }
            return false;
        }

        /** Whether this principal may read the admin HTTP API (an admin may). */
        public boolean mayMonitor() {
            return admin || monitor;
        }

        /** Whether this principal may do anything with {@code stream}. */
        public boolean mayAny(String stream) {
            return may(Action.PUBLISH, stream) || may(Action.CONSUME, stream);
        }
    }

    private static final Set<String> FIELDS =
            Set.of("name", "token", "tokenSha256", "certificateSubject", "publish", "consume", "admin", "monitor");

    private final List<Principal> principals;

    private Principals(List<Principal> principals) {
        this.principals = List.copyOf(principals);
    }

    /**
     * Reads a principals file (YAML, or JSON).
     *
     * @throws IllegalArgumentException naming the file and what is wrong in it
     */
    public static Principals load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses the contents of a principals file; {@code file} names it in error messages.
     *
     * @throws IllegalArgumentException naming the file and what is wrong in it
     */
    public static Principals parse(String contents, String file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(contents);
        } catch (IOException e) {
            throw new IllegalArgumentException("auth.file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null
                || !root.path("principals").isArray()
                || root.path("principals").isEmpty()) {
            throw new IllegalArgumentException("auth.file " + file + " must hold a non-empty list 'principals'");
        }
        List<Principal> out = new ArrayList<>();
        int index = 0;
        for (JsonNode p : root.path("principals")) {
            String where = "auth.file " + file + ", principal " + index++;
            for (Iterator<String> names = p.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException(
                            where + ": unknown field '" + field + "' (known: " + FIELDS + ")");
                }
            }
            String name = p.path("name").asText("");
            if (name.isBlank()) {
                throw new IllegalArgumentException(where + ": 'name' is missing");
            }
            byte[] hash = null;
            X500Principal subject = null;
            if (p.hasNonNull("certificateSubject")) {
                try {
                    subject = new X500Principal(p.path("certificateSubject").asText());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            where + " (" + name + "): 'certificateSubject' is not a distinguished name such as"
                                    + " \"CN=billing,O=Acme\": " + e.getMessage(),
                            e);
                }
            }
            if (p.hasNonNull("token") && p.hasNonNull("tokenSha256")) {
                throw new IllegalArgumentException(where + " (" + name + "): give either 'token' or 'tokenSha256'");
            } else if (!p.hasNonNull("token") && !p.hasNonNull("tokenSha256")) {
                if (subject == null) {
                    throw new IllegalArgumentException(
                            where + " (" + name + "): give 'token', 'tokenSha256' or 'certificateSubject'");
                }
            } else if (p.hasNonNull("token")) {
                String token = p.path("token").asText().strip();
                if (token.length() < 16) {
                    throw new IllegalArgumentException(where + " (" + name + "): a token needs at least 16 characters");
                }
                hash = sha256(token);
            } else {
                try {
                    hash = HexFormat.of()
                            .parseHex(p.path("tokenSha256").asText().toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + " (" + name + "): 'tokenSha256' is not hex", e);
                }
                if (hash.length != 32) {
                    throw new IllegalArgumentException(where + " (" + name + "): 'tokenSha256' needs 64 hex digits");
                }
            }
            for (Principal known : out) {
                String same = known.name().equals(name)
                        ? "name"
                        : hash != null
                                        && known.tokenSha256() != null
                                        && MessageDigest.isEqual(known.tokenSha256(), hash)
                                ? "token"
                                : subject != null && subject.equals(known.certificateSubject())
                                        ? "certificateSubject"
                                        : null;
                if (same != null) {
                    throw new IllegalArgumentException(
                            where + " (" + name + "): the same " + same + " as principal " + known.name());
                }
            }
            out.add(new Principal(
                    name,
                    hash,
                    subject,
                    patterns(p.path("publish"), where),
                    patterns(p.path("consume"), where),
                    flag(p, "admin", where),
                    flag(p, "monitor", where)));
        }
        return new Principals(out);
    }

    private static boolean flag(JsonNode principal, String field, String where) {
        JsonNode value = principal.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException(where + ": '" + field + "' is true or false, not " + value);
        }
        return value.booleanValue();
    }

    private static List<Pattern> patterns(JsonNode list, String where) {
        List<Pattern> out = new ArrayList<>();
        if (list.isMissingNode() || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException(where + ": 'publish' and 'consume' are lists of stream patterns");
        }
        for (JsonNode p : list) {
            out.add(glob(p.asText()));
        }
        return out;
    }

    /** A stream pattern: {@code *} matches any characters, everything else itself. */
    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    /**
     * The principal of this file that a session authenticated as {@code known} (of an earlier
     * version of the file) still is: the one of the same name and token, or null when it was removed
     * or its token changed.
     */
    public Principal current(Principal known) {
        for (Principal p : principals) {
            if (p.name().equals(known.name())) {
                boolean sameToken = p.tokenSha256() == null
                        ? known.tokenSha256() == null
                        : known.tokenSha256() != null && MessageDigest.isEqual(p.tokenSha256(), known.tokenSha256());
                return sameToken && java.util.Objects.equals(p.certificateSubject(), known.certificateSubject())
                        ? p
                        : null;
            }
        }
        return null;
    }

    /**
     * The principal whose {@code certificateSubject} is {@code subject} (a client certificate the
     * TLS handshake verified), or null.
     */
    public Principal authenticateCertificate(X500Principal subject) {
        for (Principal p : principals) {
            if (subject.equals(p.certificateSubject())) {
                return p;
            }
        }
        return null;
    }

    /** How many principals the file names. */
    public int size() {
        return principals.size();
    }

    /** The principal whose token this is, or null (a constant-time comparison per principal). */
    public Principal authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        byte[] hash = sha256(token);
        Principal found = null;
        for (Principal p : principals) {
            if (p.tokenSha256() != null && MessageDigest.isEqual(p.tokenSha256(), hash)) {
                found = p;
            }
        }
        return found;
    }

    /** The SHA-256 of a token's UTF-8 bytes: what {@code tokenSha256} gives in hex. */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }
}
