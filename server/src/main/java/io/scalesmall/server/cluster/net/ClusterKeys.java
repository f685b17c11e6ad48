package io.scalesmall.server.cluster.net;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster key(s) and the HMAC-SHA256 that every cluster message carries: a process without a
 * key cannot join, gossip or forge state. Messages are signed with the current key and accepted
 * under any configured key, which is how keys rotate without downtime.
 *
 * <p>Key file ({@code --cluster-key-file}): the key as text, whitespace around it trimmed, at least
 * {@link #MIN_KEY_BYTES} bytes of UTF-8. During a rotation the file holds two non-empty lines: the
 * first key signs and is accepted, the second is only accepted. Nodes re-read the file while they
 * run, so a rotation takes three rewrites of every node's file, each done on every node before the
 * next starts: {@code old\nnew} (everyone accepts the new key before anyone signs with it), then
 * {@code new\nold} (everyone signs with the new key and still accepts the old), then {@code new}.
 * Without a key file the node uses {@link #DEV_DEFAULT_KEY}, which is public: fine on a laptop,
 * never in production (the caller logs a warning).
 *
 * <p>Not thread-safe: holds one {@link Mac} per key and reuses it, so an instance belongs to one
 * thread (the transport's event loop). A second thread takes its own instance with {@link
 * #forAnotherThread()}.
 */
public final class ClusterKeys {
    /** Shortest accepted key, in bytes. */
    public static final int MIN_KEY_BYTES = 16;

    /** Size of a MAC. */
    public static final int MAC_BYTES = 32;

    /**
     * The well-known key used when no key file is given. Public, so it authenticates nothing: it
     * only keeps nodes of different dev clusters on one network apart from real ones.
     */
    public static final String DEV_DEFAULT_KEY = "scalesmall-dev-cluster-key-not-a-secret";

    private static final String ALGORITHM = "HmacSHA256";

    private final byte[][] keys;
    private final Mac[] macs;
    private final byte[] computed = new byte[MAC_BYTES];
    private final byte[] received = new byte[MAC_BYTES];

    /**
     * Keys from raw bytes: sign with {@code signingKey}, accept it and every key of {@code
     * alsoAccepted}.
     *
     * @throws IllegalArgumentException for a key shorter than {@link #MIN_KEY_BYTES}
     */
    public ClusterKeys(byte[] signingKey, byte[]... alsoAccepted) {
        keys = new byte[1 + alsoAccepted.length][];
        keys[0] = checked(signingKey);
        for (int i = 0; i < alsoAccepted.length; i++) {
            keys[i + 1] = checked(alsoAccepted[i]);
        }
        macs = new Mac[keys.length];
        for (int i = 0; i < keys.length; i++) {
            macs[i] = newMac(keys[i]);
        }
    }

    /** The keys of {@link #DEV_DEFAULT_KEY}. */
    public static ClusterKeys devDefault() {
        return new ClusterKeys(DEV_DEFAULT_KEY.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a key file (see the class comment).
     *
     * @throws IllegalArgumentException when the file holds no key, more than two, or a short one
     */
    public static ClusterKeys fromFile(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses the contents of a key file; {@code source} names it in error messages. */
    public static ClusterKeys parse(String contents, String source) {
        List<byte[]> found = new ArrayList<>(2);
        for (String line : contents.split("\\R")) {
            String key = line.strip();
            if (!key.isEmpty()) {
                found.add(key.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (found.isEmpty() || found.size() > 2) {
            throw new IllegalArgumentException(source + ": a cluster key file holds one key, or two lines (new key, old"
                    + " key) during a rotation; found " + found.size());
        }
        for (byte[] key : found) {
            if (key.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException(
                        source + ": a cluster key needs at least " + MIN_KEY_BYTES + " bytes, found " + key.length);
            }
        }
        return found.size() == 1 ? new ClusterKeys(found.get(0)) : new ClusterKeys(found.get(0), found.get(1));
    }

    /** The same keys with their own {@link Mac} instances, for use on another thread. */
    public ClusterKeys forAnotherThread() {
        byte[][] rest = new byte[keys.length - 1][];
        System.arraycopy(keys, 1, rest, 0, rest.length);
        return new ClusterKeys(keys[0], rest);
    }

    /**
     * A short, non-secret name of each key, signing key first: the first 4 bytes of the SHA-256 of
     * the key, in hex. Lets operators see in logs which key a node signs with.
     */
    public String fingerprints() {
        StringBuilder out = new StringBuilder();
        for (byte[] key : keys) {
            if (out.length() > 0) {
                out.append(',');
            }
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(key);
                out.append(java.util.HexFormat.of().formatHex(hash, 0, 4));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK lacks SHA-256", e);
            }
        }
        return out.toString();
    }

    /** Number of accepted keys: 2 during a rotation, otherwise 1. */
    public int keyCount() {
        return keys.length;
    }

    /**
     * Appends to {@code out} the {@link #MAC_BYTES}-byte MAC, under the signing key, of the {@code
     * length} bytes of {@code data} at {@code index}.
     */
    public void sign(ByteBuf data, int index, int length, ByteBuf out) {
        mac(0, data, index, length);
        out.writeBytes(computed);
    }

    /**
     * True when the {@link #MAC_BYTES} bytes of {@code data} at {@code macIndex} are the MAC, under
     * any accepted key, of the {@code length} bytes at {@code index}. Compares in constant time.
     */
    public boolean verify(ByteBuf data, int index, int length, int macIndex) {
        data.getBytes(macIndex, received);
        for (int k = 0; k < macs.length; k++) {
            mac(k, data, index, length);
            if (MessageDigest.isEqual(computed, received)) {
                return true;
            }
        }
        return false;
    }

    private void mac(int key, ByteBuf data, int index, int length) {
        Mac mac = macs[key];
        if (data.hasArray()) {
            mac.update(data.array(), data.arrayOffset() + index, length);
        } else {
            mac.update(data.nioBuffer(index, length));
        }
        try {
            mac.doFinal(computed, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("HMAC-SHA256 is " + MAC_BYTES + " bytes", e);
        }
    }

    private static byte[] checked(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                    "a cluster key needs at least " + MIN_KEY_BYTES + " bytes, got " + key.length);
        }
        return key.clone();
    }

    private static Mac newMac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks " + ALGORITHM, e);
        }
    }

    @Override
    public String toString() {
        return "ClusterKeys[" + keys.length + " key(s)]";
    }
}
