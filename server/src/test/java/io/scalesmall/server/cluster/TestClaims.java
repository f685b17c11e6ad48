package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.List;

/** Short ways to write claims in tests. */
public final class TestClaims {
    /** The replica every {@link #range} names. */
    public static final NodeId REPLICA = new NodeId(0x5EED, 0x1);

    private TestClaims() {}

    /** An open range of {@code stream} over {@code [start, end)} with one replica. */
    public static RangeClaim range(String stream, long start, long end) {
        return new RangeClaim(stream, (int) (start & 0x7FFF_FFFF), start, end, 0, List.of(REPLICA), false);
    }

    /** A claim set of ranges only. */
    public static ClaimSet claims(NodeId owner, long counter, List<RangeClaim> ranges) {
        return new ClaimSet(owner, counter, List.of(), ranges);
    }
}
