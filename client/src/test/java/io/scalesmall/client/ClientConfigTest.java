package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ClientConfigTest {
    @Test
    void aCommaSeparatedListNamesEveryServerAsKafkasBootstrapServersDoes() {
        ClientConfig config = ClientConfig.builder()
                .servers("10.0.0.1:7070,10.0.0.2:7071, [::1]:7072", "node-4")
                .build();

        assertThat(config.servers())
                .containsExactly(
                        InetSocketAddress.createUnresolved("10.0.0.1", 7070),
                        InetSocketAddress.createUnresolved("10.0.0.2", 7071),
                        InetSocketAddress.createUnresolved("::1", 7072),
                        InetSocketAddress.createUnresolved("node-4", 7070));
    }

    @Test
    void anEmptyEntryInAListIsRefusedWithTheList() {
        assertThatThrownBy(() -> ClientConfig.builder().servers("10.0.0.1:7070,,10.0.0.2:7070"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.1:7070,,10.0.0.2:7070");
    }
}
