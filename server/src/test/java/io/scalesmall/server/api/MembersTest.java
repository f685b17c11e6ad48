package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.MembersRequest;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.server.Node;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MEMBERS over the client protocol, spoken to at the byte level. */
class MembersTest {
    @TempDir
    Path dir;

    private Node node;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir);
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void membersRequestToARunningNodeListsItAliveAtItsClientAddress() throws IOException {
        try (RawClient c = new RawClient(node.address())) {
            assertThat(c.hello(DurabilityPolicy.MEMORY_1).type()).isEqualTo(FrameType.HELLO_OK);
            c.send(FrameType.MEMBERS, 7, MembersRequest.INSTANCE::write);

            RawClient.Frame f = c.read();

            assertThat(f.type()).isEqualTo(FrameType.MEMBERS_OK);
            assertThat(f.requestId()).isEqualTo(7);
            MembersResponse table = MembersResponse.read(f.body());
            assertThat(f.body().isReadable()).isFalse();
            assertThat(table.responder()).isEqualTo(node.nodeId());
            assertThat(table.members())
                    .filteredOn(m -> m.id().equals(node.nodeId()))
                    .singleElement()
                    .satisfies(self -> {
                        assertThat(self.status()).isEqualTo("ALIVE");
                        assertThat(self.clientHost()).isEqualTo("127.0.0.1");
                        assertThat(self.clientPort()).isEqualTo(node.address().getPort());
                        assertThat(self.incarnation()).isNotNegative();
                        assertThat(self.cores()).isPositive();
                    });
        }
    }

    @Test
    void membersBeforeHelloIsRefusedWithHelloRequired() throws IOException {
        try (RawClient c = new RawClient(node.address())) {
            c.send(FrameType.MEMBERS, 3, MembersRequest.INSTANCE::write);

            RawClient.Frame f = c.read();

            assertThat(f.type()).isEqualTo(FrameType.ERROR);
            assertThat(f.requestId()).isEqualTo(3);
            assertThat(f.error().code()).isEqualTo(ErrorCode.HELLO_REQUIRED);
        }
    }
}
