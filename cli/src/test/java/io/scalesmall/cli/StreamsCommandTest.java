package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.StreamOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamsCommandTest {
    private static final NodeId A = new NodeId(1, 1);
    private static final NodeId B = new NodeId(2, 2);
    private static final NodeId C = new NodeId(3, 3);
    private static final NodeId D = new NodeId(4, 4);
    private static final List<MetadataResponse.Node> NODES = List.of(
            new MetadataResponse.Node(A, "127.0.0.1", 7001),
            new MetadataResponse.Node(B, "127.0.0.1", 7002),
            new MetadataResponse.Node(C, "127.0.0.1", 7003),
            new MetadataResponse.Node(D, "127.0.0.1", 7004));

    /** A sealed range held by the nodes at {@code holders}, every copy with 50 batches. */
    private static Map<String, Object> describe(Map<NodeId, String> status, Integer... holders) {
        MetadataResponse.Range range =
                new MetadataResponse.Range(9, 0, 0xFFFFFFFFL, List.of(holders), 1000, 50, -1, 1, false);
        MetadataResponse.Stream stream = new MetadataResponse.Stream("s", new StreamOptions(3, -1, -1), List.of(range));
        MetadataResponse view = new MetadataResponse(A, NODES, List.of(stream));
        Map<NodeId, Map<String, MetadataResponse.Range>> stored = new HashMap<>();
        for (int index : holders) {
            NodeId id = NODES.get(index).id();
            if (!"LEFT".equals(status.get(id)) && !"DEAD".equals(status.get(id))) {
                stored.put(id, Map.of("s/9", range));
            }
        }
        return StreamsCommand.describe(view, stream, stored, status);
    }

    @Test
    void theCopiesANodeStoppedWithSigtermTookAreUnderReplicatedUntilRestored() {
        Map<NodeId, String> status = Map.of(A, "ALIVE", B, "ALIVE", C, "LEFT", D, "ALIVE");

        assertThat(describe(status, 0, 1, 2).get("underReplicatedBatches"))
                .as("two live copies of three, a fourth node could hold one")
                .isEqualTo(50L);
        assertThat(describe(status, 0, 1, 2, 3).get("underReplicatedBatches"))
                .as("restored on the fourth node")
                .isEqualTo(0L);
    }

    @Test
    void aRangeWithAsManyCopiesAsLiveNodesAllowIsNotUnderReplicated() {
        Map<NodeId, String> status = Map.of(A, "ALIVE", B, "ALIVE", C, "LEFT", D, "LEFT");

        assertThat(describe(status, 0, 1, 2).get("underReplicatedBatches")).isEqualTo(0L);
    }

    @Test
    void aRangeMadeWhileANodeWasDownIsNotUnderReplicatedForIt() {
        Map<NodeId, String> status = Map.of(A, "ALIVE", B, "ALIVE", C, "ALIVE", D, "LEFT");

        assertThat(describe(status, 0, 1).get("underReplicatedBatches")).isEqualTo(0L);
    }

    @Test
    void aDeadReplicasCopyCountsAsMissing() {
        Map<NodeId, String> status = Map.of(A, "ALIVE", B, "ALIVE", C, "DEAD", D, "ALIVE");

        assertThat(describe(status, 0, 1, 2).get("underReplicatedBatches")).isEqualTo(50L);
    }
}
