package io.scalesmall.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ProtocolException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link EntryCodec} round-trips every value, predicts its size, and answers hostile bytes with a
 * value or a {@code MALFORMED_FRAME} {@link ProtocolException}, nothing else. A value read from
 * arbitrary bytes re-encodes to exactly the bytes it was read from: the encoding is canonical.
 */
class EntryCodecProperties {

    /** Every value type with its writer, reader and size. */
    enum Kind {
        ENDPOINT(ClusterArbitraries.endpoints(), EntryCodec::write, EntryCodec::readEndpoint, EntryCodec::encodedSize),
        METADATA(ClusterArbitraries.metadata(), EntryCodec::write, EntryCodec::readMetadata, EntryCodec::encodedSize),
        MEMBER(ClusterArbitraries.anyMembers(), EntryCodec::write, EntryCodec::readMember, EntryCodec::encodedSize),
        RANGE(ClusterArbitraries.ranges(), EntryCodec::write, EntryCodec::readRange, EntryCodec::encodedSize),
        CLAIMS(ClusterArbitraries.anyClaims(), EntryCodec::write, EntryCodec::readClaims, EntryCodec::encodedSize),
        ACCUSATION(
                ClusterArbitraries.accusations(),
                EntryCodec::write,
                EntryCodec::readAccusation,
                EntryCodec::encodedSize);

        final Arbitrary<Object> values;
        final BiConsumer<ByteBuf, Object> writer;
        final Function<ByteBuf, Object> reader;
        final ToIntFunction<Object> size;

        @SuppressWarnings("unchecked")
        <T> Kind(
                Arbitrary<T> values,
                BiConsumer<ByteBuf, T> writer,
                Function<ByteBuf, T> reader,
                ToIntFunction<T> size) {
            this.values = (Arbitrary<Object>) values;
            this.writer = (BiConsumer<ByteBuf, Object>) writer;
            this.reader = (Function<ByteBuf, Object>) reader;
            this.size = (ToIntFunction<Object>) size;
        }

        byte[] encode(Object value) {
            ByteBuf buf = Unpooled.buffer();
            writer.accept(buf, value);
            return ByteBufUtil.getBytes(buf);
        }
    }

    @Property(tries = 2000)
    void everyValueRoundTripsAndHasItsPredictedSize(@ForAll("valuesOfEveryKind") KindAndValue kv) {
        byte[] bytes = kv.kind.encode(kv.value);
        assertThat(bytes).hasSize(kv.kind.size.applyAsInt(kv.value));
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        assertThat(kv.kind.reader.apply(in)).isEqualTo(kv.value);
        assertThat(in.isReadable()).isFalse();
    }

    @Property(tries = 2000)
    void truncatedEncodingsFailWithMalformedFrame(
            @ForAll("valuesOfEveryKind") KindAndValue kv,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
        byte[] bytes = kv.kind.encode(kv.value);
        int cut = cutSeed % bytes.length;
        assertMalformed(() -> kv.kind.reader.apply(Unpooled.wrappedBuffer(bytes, 0, cut)));
    }

    @Property(tries = 5000)
    void hostileBytesGiveAValueOrMalformedFrameAndValuesAreCanonical(
            @ForAll Kind kind, @ForAll("garbage") byte[] garbage) {
        ByteBuf in = Unpooled.wrappedBuffer(garbage);
        Object value;
        try {
            value = kind.reader.apply(in);
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("expected a value or a ProtocolException but got " + e, e);
        }
        byte[] consumed = new byte[in.readerIndex()];
        System.arraycopy(garbage, 0, consumed, 0, consumed.length);
        assertThat(kind.encode(value)).isEqualTo(consumed);
    }

    @Property(tries = 2000)
    void oneChangedByteGivesAnotherCanonicalValueOrMalformedFrame(
            @ForAll("valuesOfEveryKind") KindAndValue kv,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int positionSeed,
            @ForAll byte replacement) {
        byte[] bytes = kv.kind.encode(kv.value);
        bytes[positionSeed % bytes.length] = replacement;
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        Object value;
        try {
            value = kv.kind.reader.apply(in);
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("expected a value or a ProtocolException but got " + e, e);
        }
        byte[] consumed = new byte[in.readerIndex()];
        System.arraycopy(bytes, 0, consumed, 0, consumed.length);
        assertThat(kv.kind.encode(value)).isEqualTo(consumed);
    }

    /** A kind and one of its values. */
    record KindAndValue(Kind kind, Object value) {}

    @Provide
    Arbitrary<KindAndValue> valuesOfEveryKind() {
        return Arbitraries.of(Kind.class).flatMap(k -> k.values.map(v -> new KindAndValue(k, v)));
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(120),
                // small values make plausible lengths, counts, statuses and ports
                Arbitraries.bytes()
                        .between((byte) 0, (byte) 4)
                        .array(byte[].class)
                        .ofMaxSize(120));
    }

    static void assertMalformed(Runnable call) {
        try {
            call.run();
        } catch (ProtocolException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("expected a ProtocolException but got " + e, e);
        }
        throw new AssertionError("expected a ProtocolException but the call returned");
    }
}
