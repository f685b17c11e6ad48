package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static io.scalesmall.protocol.ProtocolAssertions.assertReturnsOrProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * MEMBERS and MEMBERS_OK bodies round-trip exactly; a MEMBERS_OK cut short, or arbitrary bytes,
 * read as a value or a MALFORMED_FRAME and nothing else.
 */
class MembersResponseProperties {

    @Property(tries = 300)
    void membersResponseRoundTrips(@ForAll("membersResponses") MembersResponse response) {
        ByteBuf buf = Unpooled.buffer();
        response.write(buf);
        assertThat(MembersResponse.read(buf)).isEqualTo(response);
        assertThat(buf.isReadable()).isFalse();
    }

    @Example
    void membersRequestIsEmpty() {
        ByteBuf buf = Unpooled.buffer();
        MembersRequest.INSTANCE.write(buf);
        assertThat(buf.isReadable()).isFalse();
        assertThat(MembersRequest.read(buf)).isEqualTo(new MembersRequest());
    }

    @Property(tries = 1000)
    void validMembersResponseCutShortFailsWithMalformedFrame(
            @ForAll("membersResponses") MembersResponse response,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
        ByteBuf whole = Unpooled.buffer();
        response.write(whole);
        byte[] bytes = ByteBufUtil.getBytes(whole);
        int cut = cutSeed % bytes.length;
        assertProtocolError(
                () -> MembersResponse.read(Unpooled.wrappedBuffer(bytes, 0, cut)), ErrorCode.MALFORMED_FRAME);
    }

    @Property(tries = 2000)
    void randomBytesReadOrFailWithMalformedFrame(@ForAll("garbage") byte[] garbage) {
        ByteBuf buf = Unpooled.wrappedBuffer(garbage);
        assertReturnsOrProtocolError(() -> MembersResponse.read(buf), ErrorCode.MALFORMED_FRAME);
    }

    @Provide
    Arbitrary<MembersResponse> membersResponses() {
        Arbitrary<Integer> ports = Arbitraries.integers().between(0, 0xFFFF);
        Arbitrary<String> hosts = WireArbitraries.unicodeStrings(30);
        Arbitrary<MembersResponse.Member> members = Combinators.combine(
                        WireArbitraries.nodeIds(),
                        Arbitraries.longs(),
                        Arbitraries.of(MembersResponse.STATUSES),
                        Arbitraries.longs())
                .flatAs((id, incarnation, status, sinceMs) -> Combinators.combine(hosts, ports, hosts, ports)
                        .flatAs((clusterHost, clusterPort, clientHost, clientPort) -> Combinators.combine(
                                        Arbitraries.longs(),
                                        Arbitraries.longs(),
                                        Arbitraries.integers(),
                                        WireArbitraries.unicodeStrings(20))
                                .as((diskBytes, memoryBytes, cores, zone) -> new MembersResponse.Member(
                                        id,
                                        incarnation,
                                        status,
                                        sinceMs,
                                        clusterHost,
                                        clusterPort,
                                        clientHost,
                                        clientPort,
                                        diskBytes,
                                        memoryBytes,
                                        cores,
                                        zone))));
        return Combinators.combine(WireArbitraries.nodeIds(), members.list().ofMaxSize(6))
                .as(MembersResponse::new);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.oneOf(
                WireArbitraries.bytes(40),
                // small values make plausible counts, lengths and status codes
                Arbitraries.bytes()
                        .between((byte) 0, (byte) 4)
                        .array(byte[].class)
                        .ofMaxSize(200),
                WireArbitraries.bytes(300));
    }
}
