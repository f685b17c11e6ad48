package io.scalesmall.server.cluster.net;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster key(s), which seal every cluster message and sign every peer hello: a process without
 * a key cannot join, gossip, forge state, or read what the cluster plane carries. Messages are
 * sealed with the current key and opened under any configured key, which is how keys rotate
 * without downtime.
 *
 * <p><b>Sealing</b> ({@link #seal}, {@link #open}) is authenticated encryption: AES-256-GCM under
 * a key of its own for every message, the HMAC-SHA256 under the cluster key of a label and 16
 * random bytes (the salt) that travel with the message. A fresh key per message lets the nonce be
 * fixed and puts no bound on the number of messages a cluster key seals (with random 96-bit nonces
 * under one key, GCM is safe only up to about 2^32 messages, which a large cluster gossips in
 * hours). The message's first byte (its version) stays in the clear, authenticated as associated
 * data. <b>Signing</b> ({@link #sign}, {@link #verify}) is HMAC-SHA256 under the cluster key, for
 * the peer hellos of the data plane, which carry no secret.
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
 * <p>Not thread-safe: holds one {@link Mac} per key, a {@link Cipher} and buffers, and reuses them,
 * so an instance belongs to one thread (the transport's event loop). A second thread takes its own instance with {@link
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

    /** Random bytes that make each sealed message's key its own. */
    public static final int SALT_BYTES = 16;

    /** The GCM authentication tag of a sealed message. */
    public static final int TAG_BYTES = 16;

    /** Bytes sealing adds to a message: salt and tag. */
    public static final int SEAL_BYTES = SALT_BYTES + TAG_BYTES;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] MESSAGE_KEY_LABEL =
            "scalesmall cluster message key v1".getBytes(StandardCharsets.US_ASCII);
    /** Each message key seals one message, so a fixed nonce is never reused under a key. */
    private static final GCMParameterSpec FIXED_NONCE = new GCMParameterSpec(TAG_BYTES * 8, new byte[12]);

    private final byte[][] keys;
    private final Mac[] macs;
    private final byte[] computed = new byte[MAC_BYTES];
    private final byte[] received = new byte[MAC_BYTES];
    private final byte[] salt = new byte[SALT_BYTES];
    private final byte[] associated = new byte[1];
    private final Cipher gcm;
    private final SecureRandom random = new SecureRandom();
    private byte[] input = new byte[2048];
    private byte[] output = new byte[2048];

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
        try {
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks AES/GCM", e);
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

    /**
     * Seals, in place, the message written to {@code buf} from {@code start} to its writer index:
     * its first byte stays as it is (authenticated), the rest is encrypted under the signing key,
     * and the message grows by {@link #SEAL_BYTES}: {@code [first byte][salt][ciphertext][tag]}.
     *
     * @throws IllegalArgumentException when there is no byte to seal at {@code start}
     */
    public void seal(ByteBuf buf, int start) {
        int plainLength = buf.writerIndex() - start - 1;
        if (plainLength < 0) {
            throw new IllegalArgumentException("nothing to seal");
        }
        random.nextBytes(salt);
        ensureScratch(plainLength + TAG_BYTES);
        buf.getBytes(start + 1, input, 0, plainLength);
        associated[0] = buf.getByte(start);
        int sealed;
        try {
            gcm.init(Cipher.ENCRYPT_MODE, messageKey(0, salt), FIXED_NONCE);
            gcm.updateAAD(associated);
            sealed = gcm.doFinal(input, 0, plainLength, output, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal", e);
        }
        buf.writerIndex(start + 1);
        buf.writeBytes(salt);
        buf.writeBytes(output, 0, sealed);
    }

    /**
     * Opens the sealed message that is the {@code length} bytes of {@code data} at {@code index}
     * (see {@link #seal}) under any accepted key: returns the message as it was before sealing,
     * first byte included, in a new buffer; or null when no key opens it (a wrong key, or bytes
     * changed on the way). Leaves {@code data} unchanged.
     */
    public ByteBuf open(ByteBuf data, int index, int length) {
        int cipherLength = length - 1 - SALT_BYTES;
        if (cipherLength < TAG_BYTES) {
            return null;
        }
        associated[0] = data.getByte(index);
        data.getBytes(index + 1, salt);
        ensureScratch(cipherLength);
        data.getBytes(index + 1 + SALT_BYTES, input, 0, cipherLength);
        for (int k = 0; k < keys.length; k++) {
            try {
                gcm.init(Cipher.DECRYPT_MODE, messageKey(k, salt), FIXED_NONCE);
                gcm.updateAAD(associated);
                int plain = gcm.doFinal(input, 0, cipherLength, output, 0);
                ByteBuf out = io.netty.buffer.Unpooled.buffer(1 + plain);
                out.writeByte(associated[0]);
                out.writeBytes(output, 0, plain);
                return out;
            } catch (javax.crypto.AEADBadTagException wrongKeyOrChanged) {
                // Try the next accepted key.
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to open", e);
            }
        }
        return null;
    }

    /** The AES key of the message with {@code salt} under accepted key {@code key}. */
    private SecretKeySpec messageKey(int key, byte[] salt) {
        Mac mac = macs[key];
        mac.update(MESSAGE_KEY_LABEL);
        mac.update(salt);
        try {
            mac.doFinal(computed, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("HMAC-SHA256 is " + MAC_BYTES + " bytes", e);
        }
        return new SecretKeySpec(computed, "AES");
    }

    private void ensureScratch(int bytes) {
        if (input.length < bytes + TAG_BYTES) {
            input = new byte[bytes + TAG_BYTES];
            output = new byte[bytes + TAG_BYTES];
        }
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
