package io.scalesmall.server.cluster.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.server.cluster.ClusterArbitraries;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.ClusterState;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every cluster message round-trips through {@link ClusterCodec} at its predicted size, and any
 * damage (a flipped bit, a cut, garbage) is rejected with a {@link ProtocolException} and nothing
 * else.
 */
class ClusterCodecProperties {
    static final ClusterKeys KEYS = new ClusterKeys("a-test-cluster-key-0001".getBytes(StandardCharsets.UTF_8));

    private final ClusterCodec codec = new ClusterCodec(KEYS);

    @Property(tries = 2000)
    void everyMessageRoundTripsAtItsPredictedSize(@ForAll("messages") ClusterMessage message) {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {9, 9, 9}); // encoding appends; the MAC covers only the message
        out.skipBytes(3);
        codec.encode(message, out);
        assertThat(out.readableBytes()).isEqualTo(ClusterCodec.encodedSize(message));
        assertThat(codec.decode(out)).isEqualTo(message);
        assertThat(out.isReadable()).isFalse();
    }

    @Property(tries = 2000)
    void oneFlippedBitAnywhereIsRejected(
            @ForAll("messages") ClusterMessage message, @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) {
        byte[] bytes = encode(message);
        int bit = seed % (bytes.length * 8);
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        assertRejected(bytes);
    }

    @Property(tries = 1000)
    void truncatedOrExtendedMessagesAreRejected(
            @ForAll("messages") ClusterMessage message,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed,
            @ForAll byte extra) {
        byte[] bytes = encode(message);
        assertRejected(java.util.Arrays.copyOf(bytes, seed % bytes.length));
        assertRejected(java.util.Arrays.copyOf(bytes, bytes.length + 1 + seed % 4));
    }

    @Property(tries = 2000)
    void garbageIsRejected(@ForAll("garbage") byte[] garbage) {
        assertRejected(garbage);
    }

    @Property(tries = 500)
    void aMessageSignedWithAnotherKeyIsRejected(@ForAll("messages") ClusterMessage message) {
        ClusterCodec other =
                new ClusterCodec(new ClusterKeys("another-cluster-key-0002".getBytes(StandardCharsets.UTF_8)));
        ByteBuf out = Unpooled.buffer();
        other.encode(message, out);
        assertRejected(ByteBufUtil.getBytes(out));
    }

    @Property(tries = 500)
    void anyChangedByteIsRejected(
            @ForAll("messages") ClusterMessage message, @ForAll int position, @ForAll("nonZero") byte flip) {
        byte[] bytes = encode(message);
        bytes[Math.floorMod(position, bytes.length)] ^= flip;
        assertRejected(bytes);
    }

    @Provide
    Arbitrary<Byte> nonZero() {
        return Arbitraries.bytes().filter(b -> b != 0);
    }

    private byte[] encode(ClusterMessage message) {
        ByteBuf out = Unpooled.buffer();
        codec.encode(message, out);
        return ByteBufUtil.getBytes(out);
    }

    private void assertRejected(byte[] bytes) {
        try {
            ClusterMessage decoded = codec.decode(Unpooled.wrappedBuffer(bytes));
            throw new AssertionError("expected a ProtocolException but decoded " + decoded);
        } catch (ProtocolException e) {
            assertThat(e.code()).isIn(ErrorCode.MALFORMED_FRAME, ErrorCode.UNSUPPORTED_VERSION);
        } catch (RuntimeException e) {
            throw new AssertionError("expected a ProtocolException but got " + e, e);
        }
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    }

    @Provide
    Arbitrary<ClusterMessage> messages() {
        return messageArbitrary();
    }

    /** Every message type, with random contents. */
    static Arbitrary<ClusterMessage> messageArbitrary() {
        var ids = ClusterArbitraries.anyIds();
        var longs = Arbitraries.longs();
        var members = ClusterArbitraries.anyMembers().list().ofMaxSize(4);
        var claims = ClusterArbitraries.anyClaims().list().ofMaxSize(3);
        var accusations = ClusterArbitraries.accusations().list().ofMaxSize(4);
        Arbitrary<long[]> buckets = longs.array(long[].class).ofSize(ClusterState.BUCKETS);
        Arbitrary<long[]> masks = longs.array(long[].class).ofSize(ClusterCodec.MASK_WORDS);
        return Arbitraries.oneOf(
                Combinators.combine(ids, longs, ids).as(ClusterMessage.Ping::new),
                Combinators.combine(ids, longs).as(ClusterMessage.Ack::new),
                Combinators.combine(ids, longs, ids, ClusterArbitraries.endpoints())
                        .as(ClusterMessage.PingReq::new),
                Combinators.combine(ids, longs).as(ClusterMessage.Nack::new),
                Combinators.combine(
                                ids,
                                longs,
                                longs,
                                longs,
                                Arbitraries.integers().between(0, 0xFFFF),
                                members,
                                claims,
                                accusations)
                        .as(ClusterMessage.Broadcast::new),
                Combinators.combine(ids, longs).as(ClusterMessage.BroadcastAck::new),
                Combinators.combine(ids, longs, Arbitraries.integers().greaterOrEqual(0))
                        .as(ClusterMessage.SyncDigest::new),
                Combinators.combine(ids, buckets).as(ClusterMessage.SyncBuckets::new),
                Combinators.combine(ids, masks, members, claims, Arbitraries.of(true, false))
                        .as(ClusterMessage.SyncEntries::new),
                Combinators.combine(ids, ClusterArbitraries.anyMembers(), ClusterArbitraries.anyClaims())
                        .as(ClusterMessage.Join::new),
                Combinators.combine(ids, members, claims).as(ClusterMessage.JoinReply::new));
    }
}
