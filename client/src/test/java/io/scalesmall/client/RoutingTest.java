package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
