package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.StreamOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RoutingTest {

    @Test
    void murmur3MatchesTheReferenceVectors() {
        assertThat(Murmur3.hash32(new byte[0], 0)).isZero();
        assertThat(Murmur3.hash32(new byte[0], 1)).isEqualTo(0x514E28B7);
        assertThat(Murmur3.hash32(utf8("hello"), 0)).isEqualTo(0x248BFA47);
        assertThat(Murmur3.hash32(utf8("The quick brown fox jumps over the lazy dog"), 0))
                .isEqualTo(0x2E4FF723);
        assertThat(Murmur3.hash32(new byte[] {0, 0, 0, 0}, 0)).isEqualTo(0x2362F9DE);
        assertThat(Murmur3.hash32(new byte[] {0x21, 0x43, 0x65}, 0)).isEqualTo(0x7E4A8634);
    }

    @Test
    void routesAHashToTheRangeThatHoldsIt() {
        RangeRouter router = new RangeRouter(new long[] {0, 1L << 31, 3L << 30}, new RangeProducer[3]);
        assertThat(router.indexOf(0)).isZero();
        assertThat(router.indexOf((1L << 31) - 1)).isZero();
        assertThat(router.indexOf(1L << 31)).isEqualTo(1);
        assertThat(router.indexOf((3L << 30) - 1)).isEqualTo(1);
        assertThat(router.indexOf(0xFFFFFFFFL)).isEqualTo(2);
    }

    @Test
    void parsesServerAddresses() {
        ClientConfig config =
                ClientConfig.builder().servers("a:1", "b", "[::1]:9000").build();
        assertThat(config.servers())
                .extracting(a -> a.getHostString() + "/" + a.getPort())
                .containsExactly("a/1", "b/7070", "::1/9000");
        assertThatThrownBy(() -> ClientConfig.builder().servers("a:x").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientConfig.builder().build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSplitRangeRoutesToItsHalvesAndAnOlderViewCannotRouteBack() {
        ClientConfig config = ClientConfig.builder().servers("a:1").build();
        java.util.List<RangeProducer> replaced = new java.util.ArrayList<>();
        StreamProducer producer = new StreamProducer(
                "s", (stream, id, replicas) -> new RangeProducer(stream, id, null, config, 1), replaced::add);
        java.util.List<MetadataResponse.Node> nodes =
                java.util.List.of(new MetadataResponse.Node(new NodeId(1, 2), "127.0.0.1", 7070));
        MetadataResponse.Range whole = range(1, 0, 0xFFFFFFFFL, 10, true);
        MetadataResponse.Range lower = range(2, 0, 0x7FFFFFFFL, 20, true);
        MetadataResponse.Range upper = range(3, 0x80000000L, 0xFFFFFFFFL, 20, true);

        assertThat(producer.update(stream(whole), nodes)).isTrue();
        assertThat(producer.rangeIds()).containsExactly(1);
        producer.update(stream(range(1, 0, 0xFFFFFFFFL, 10, false), lower, upper), nodes);

        assertThat(producer.rangeIds()).containsExactly(2, 3);
        assertThat(replaced).singleElement().satisfies(p -> {
            assertThat(p.rangeId).isEqualTo(1);
            assertThat(p.successorProducers()).extracting(s -> s.rangeId).containsExactly(2, 3);
        });
        // A node that has not heard of the split yet still lists the whole range as current.
        producer.update(stream(whole), nodes);
        assertThat(producer.rangeIds()).containsExactly(2, 3);
        assertThat(replaced).hasSize(1);

        // A client that started after the split never knew the whole range: the older view is
        // ignored, not taken for a change that replaces the halves.
        java.util.List<RangeProducer> replacedLater = new java.util.ArrayList<>();
        StreamProducer later = new StreamProducer(
                "s", (stream, id, replicas) -> new RangeProducer(stream, id, null, config, 2), replacedLater::add);
        later.update(stream(lower, upper), nodes);
        later.update(stream(whole), nodes);
        assertThat(later.rangeIds()).containsExactly(2, 3);
        assertThat(replacedLater).isEmpty();
    }

    private static MetadataResponse.Range range(int id, long first, long last, long since, boolean current) {
        return new MetadataResponse.Range(id, first, last, java.util.List.of(0), 0, 0, 0, since, current);
    }

    private static MetadataResponse.Stream stream(MetadataResponse.Range... ranges) {
        return new MetadataResponse.Stream("s", StreamOptions.DEFAULT, java.util.List.of(ranges));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
