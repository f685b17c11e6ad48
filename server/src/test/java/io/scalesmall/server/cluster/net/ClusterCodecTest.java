package io.scalesmall.server.cluster.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.ClusterState;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.TestClaims;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCodecTest {
    private static final byte[] OLD_KEY = "the-old-cluster-key-0001".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW_KEY = "the-new-cluster-key-0002".getBytes(StandardCharsets.UTF_8);
    private static final NodeId FROM = new NodeId(1, 2);
    private static final NodeId TARGET = new NodeId(3, 4);
    private static final ClusterMessage PING = new ClusterMessage.Ping(FROM, 77, TARGET);

    @Test
    void fixedSizeMessagesHaveTheDocumentedSizes() {
        assertThat(ClusterCodec.OVERHEAD_BYTES).isEqualTo(34);
        assertThat(ClusterCodec.encodedSize(PING)).isEqualTo(34 + 16 + 8 + 16);
        assertThat(ClusterCodec.encodedSize(new ClusterMessage.Ack(FROM, 1))).isEqualTo(34 + 24);
        assertThat(ClusterCodec.encodedSize(new ClusterMessage.SyncDigest(FROM, 1, 5)))
                .isEqualTo(34 + 16 + 8 + 4);
        assertThat(ClusterCodec.encodedSize(new ClusterMessage.SyncBuckets(FROM, new long[ClusterState.BUCKETS])))
                .isEqualTo(34 + 16 + 2048);
    }

    @Test
    void aJoinRoundTrips() {
        NodeMetadata meta = new NodeMetadata(new Endpoint("::1", 7000), new Endpoint("::1", 7070), 1, 2, 3, "eu-1a");
        MemberEntry self = new MemberEntry(FROM, 5, MemberStatus.ALIVE, 123, meta);
        ClaimSet claims = TestClaims.claims(FROM, 9, List.of(TestClaims.range("orders", 0, RangeClaim.KEY_SPACE)));
        ClusterMessage join = new ClusterMessage.Join(FROM, self, claims);
        ClusterCodec codec = new ClusterCodec(new ClusterKeys(NEW_KEY));
        ByteBuf out = Unpooled.buffer();
        codec.encode(join, out);
        assertThat(out.readableBytes()).isEqualTo(ClusterCodec.encodedSize(join));
        assertThat(codec.decode(out)).isEqualTo(join);
    }

    @Test
    void whatAMessageCarriesIsEncryptedAndNoTwoSealsAreAlike() {
        NodeMetadata meta = new NodeMetadata(
                new Endpoint("node-7.internal.example", 7000),
                new Endpoint("node-7.internal.example", 7070),
                1,
                2,
                3,
                "zone-eu-west");
        MemberEntry self = new MemberEntry(FROM, 5, MemberStatus.ALIVE, 123, meta);
        ClaimSet claims =
                TestClaims.claims(FROM, 9, List.of(TestClaims.range("payments-secret", 0, RangeClaim.KEY_SPACE)));
        ClusterMessage join = new ClusterMessage.Join(FROM, self, claims);
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        byte[] once = encode(keys, join);
        byte[] twice = encode(keys, join);
        String wire = new String(once, StandardCharsets.ISO_8859_1);
        assertThat(wire)
                .doesNotContain("node-7.internal.example")
                .doesNotContain("zone-eu-west")
                .doesNotContain("payments-secret");
        assertThat(once[0]).as("the version, in the clear").isEqualTo((byte) ClusterCodec.VERSION);
        assertThat(twice).isNotEqualTo(once);
        ClusterCodec codec = new ClusterCodec(keys);
        assertThat(codec.decode(Unpooled.wrappedBuffer(once))).isEqualTo(join);
        assertThat(codec.decode(Unpooled.wrappedBuffer(twice))).isEqualTo(join);
    }

    @Test
    void aMessageSignedWithTheWrongKeyIsRejected() {
        byte[] bytes = encode(new ClusterKeys(OLD_KEY), PING);
        assertMalformed(new ClusterKeys(NEW_KEY), bytes);
    }

    @Test
    void duringRotationBothKeysAreAcceptedAndTheNewOneSigns() {
        ClusterKeys rotating = new ClusterKeys(NEW_KEY, OLD_KEY);
        ClusterCodec codec = new ClusterCodec(rotating);
        assertThat(codec.decode(Unpooled.wrappedBuffer(encode(new ClusterKeys(OLD_KEY), PING))))
                .isEqualTo(PING);
        assertThat(codec.decode(Unpooled.wrappedBuffer(encode(new ClusterKeys(NEW_KEY), PING))))
                .isEqualTo(PING);

        byte[] signedByRotating = encode(rotating, PING);
        assertThat(new ClusterCodec(new ClusterKeys(NEW_KEY)).decode(Unpooled.wrappedBuffer(signedByRotating)))
                .isEqualTo(PING);
        assertMalformed(new ClusterKeys(OLD_KEY), signedByRotating);
    }

    @Test
    void aNodeWithOnlyTheNewKeyRejectsOldKeyMessages() {
        assertMalformed(new ClusterKeys(NEW_KEY), encode(new ClusterKeys(OLD_KEY), PING));
    }

    @Test
    void trailingBytesUnderAValidMacAreRejected() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        ByteBuf forged = keys.open(Unpooled.wrappedBuffer(encode(keys, PING)), 0, ClusterCodec.encodedSize(PING));
        forged.writeByte(0);
        keys.seal(forged, 0);
        assertThat(protocolError(keys, ByteBufUtil.getBytes(forged)).getMessage())
                .contains("after the end");
    }

    @Test
    void anotherVersionUnderAValidMacIsUnsupported() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        ByteBuf forged = Unpooled.buffer();
        forged.writeByte(ClusterCodec.VERSION + 1).writeByte(ClusterCodec.TYPE_ACK);
        FROM.write(forged);
        forged.writeLong(1);
        keys.seal(forged, 0);
        assertThat(protocolError(keys, ByteBufUtil.getBytes(forged)).code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
    }

    @Test
    void anUnknownTypeUnderAValidMacIsMalformed() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        ByteBuf forged = Unpooled.buffer();
        forged.writeByte(ClusterCodec.VERSION).writeByte(99);
        FROM.write(forged);
        keys.seal(forged, 0);
        assertThat(protocolError(keys, ByteBufUtil.getBytes(forged)).getMessage())
                .contains("unknown cluster message type");
    }

    @Test
    void aForgedListCountDoesNotAllocateBeyondTheFrame() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        ByteBuf forged = Unpooled.buffer();
        forged.writeByte(ClusterCodec.VERSION).writeByte(ClusterCodec.TYPE_JOIN_REPLY);
        FROM.write(forged);
        forged.writeShort(0xFFFF);
        keys.seal(forged, 0);
        assertThat(protocolError(keys, ByteBufUtil.getBytes(forged)).getMessage())
                .contains("cannot fit");
    }

    @Test
    void shortInputIsMalformed() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        assertMalformed(keys, new byte[0]);
        assertMalformed(keys, new byte[ClusterCodec.OVERHEAD_BYTES - 1]);
    }

    @Test
    void aMessageWithoutEncodingIsRefusedAndLeavesNothingBehind() {
        ClusterCodec codec = new ClusterCodec(new ClusterKeys(NEW_KEY));
        ByteBuf out = Unpooled.buffer();
        assertThatThrownBy(() -> codec.encode(new ClusterMessage.SyncBuckets(FROM, new long[3]), out))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(out.writerIndex()).isZero();
    }

    @Test
    void keyFileWithOneKeyIsTrimmed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("key"), "  the-new-cluster-key-0002 \n\n");
        ClusterKeys keys = ClusterKeys.fromFile(file);
        assertThat(keys.keyCount()).isEqualTo(1);
        assertThat(new ClusterCodec(keys).decode(Unpooled.wrappedBuffer(encode(new ClusterKeys(NEW_KEY), PING))))
                .isEqualTo(PING);
    }

    @Test
    void keyFileWithTwoLinesSignsWithTheFirstAndAcceptsBoth(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("key"), "the-new-cluster-key-0002\r\nthe-old-cluster-key-0001\n");
        ClusterKeys keys = ClusterKeys.fromFile(file);
        assertThat(keys.keyCount()).isEqualTo(2);
        byte[] signed = encode(keys, PING);
        assertThat(new ClusterCodec(new ClusterKeys(NEW_KEY)).decode(Unpooled.wrappedBuffer(signed)))
                .isEqualTo(PING);
        assertThat(new ClusterCodec(keys).decode(Unpooled.wrappedBuffer(encode(new ClusterKeys(OLD_KEY), PING))))
                .isEqualTo(PING);
    }

    @Test
    void badKeyFilesAreRefused(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ClusterKeys.fromFile(Files.writeString(dir.resolve("short"), "too-short\n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16 bytes");
        assertThatThrownBy(() -> ClusterKeys.fromFile(Files.writeString(dir.resolve("empty"), " \n ")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterKeys.fromFile(Files.writeString(
                        dir.resolve("three"), "aaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbb\ncccccccccccccccc")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClusterKeys(new byte[15])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDevDefaultKeyWorksAndEachThreadGetsItsOwnInstance() {
        ClusterKeys keys = ClusterKeys.devDefault();
        ClusterKeys other = keys.forAnotherThread();
        assertThat(other).isNotSameAs(keys);
        assertThat(new ClusterCodec(other).decode(Unpooled.wrappedBuffer(encode(keys, PING))))
                .isEqualTo(PING);
    }

    @Test
    void aDirectBufferIsVerifiedLikeAHeapBuffer() {
        ClusterKeys keys = new ClusterKeys(NEW_KEY);
        byte[] bytes = encode(keys, PING);
        ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        try {
            assertThat(new ClusterCodec(keys).decode(direct)).isEqualTo(PING);
        } finally {
            direct.release();
        }
    }

    private static byte[] encode(ClusterKeys keys, ClusterMessage message) {
        ByteBuf out = Unpooled.buffer();
        new ClusterCodec(keys).encode(message, out);
        return ByteBufUtil.getBytes(out);
    }

    private static ProtocolException protocolError(ClusterKeys keys, byte[] bytes) {
        try {
            ClusterMessage decoded = new ClusterCodec(keys).decode(Unpooled.wrappedBuffer(bytes));
            throw new AssertionError("expected a ProtocolException but decoded " + decoded);
        } catch (ProtocolException e) {
            return e;
        }
    }

    private static void assertMalformed(ClusterKeys keys, byte[] bytes) {
        assertThat(protocolError(keys, bytes).code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
    }
}
