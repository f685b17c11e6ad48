package io.scalesmall.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterStateTest {
    private static final NodeMetadata META =
            new NodeMetadata(new Endpoint("10.0.0.1", 7000), new Endpoint("10.0.0.1", 7070), 1_000, 100, 4, "");
    private static final NodeMetadata OTHER_META =
            new NodeMetadata(new Endpoint("10.0.0.2", 7000), new Endpoint("10.0.0.2", 7070), 1_000, 100, 4, "");
    private static final NodeId A = new NodeId(0x1000_0000_0000_0000L, 1);
    private static final NodeId B = new NodeId(0x2000_0000_0000_0000L, 2);
    private static final NodeId C = new NodeId(0xF000_0000_0000_0000L, 3);

    private static MemberEntry entry(NodeId id, long incarnation, MemberStatus status, long sinceMs) {
        return new MemberEntry(id, incarnation, status, sinceMs, META);
    }

    @Test
    void newMemberIsAddedAndCountedLive() {
        ClusterState state = new ClusterState();
        assertThat(state.merge(entry(A, 0, MemberStatus.ALIVE, 10))).isTrue();
        assertThat(state.member(A)).isEqualTo(entry(A, 0, MemberStatus.ALIVE, 10));
        assertThat(state.memberCount()).isEqualTo(1);
        assertThat(state.liveCount()).isEqualTo(1);
        assertThat(state.digest()).isNotZero();
    }

    @Test
    void restartedNodeWithHigherIncarnationBeatsItsOwnDeadTombstone() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 3, MemberStatus.DEAD, 500));
        assertThat(state.liveCount()).isZero();

        assertThat(state.merge(entry(A, 4, MemberStatus.ALIVE, 900))).isTrue();
        assertThat(state.member(A).status()).isEqualTo(MemberStatus.ALIVE);
        assertThat(state.liveCount()).isEqualTo(1);

        assertThat(state.merge(entry(A, 3, MemberStatus.DEAD, 500))).isFalse();
        assertThat(state.member(A).incarnation()).isEqualTo(4);
    }

    @Test
    void leftBeatsAliveAtTheSameIncarnationWhateverTheOrder() {
        MemberEntry alive = entry(A, 2, MemberStatus.ALIVE, 100);
        MemberEntry left = entry(A, 2, MemberStatus.LEFT, 200);
        ClusterState one = new ClusterState();
        one.merge(alive);
        one.merge(left);
        ClusterState two = new ClusterState();
        two.merge(left);
        assertThat(two.merge(alive)).isFalse();
        assertThat(one).isEqualTo(two);
        assertThat(one.member(A)).isEqualTo(left);
        assertThat(one.liveCount()).isZero();
    }

    @Test
    void suspicionIsNotUndoneByStaleAliveButIsRefutedByAHigherIncarnation() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 1, MemberStatus.SUSPECT, 100));
        assertThat(state.merge(entry(A, 1, MemberStatus.ALIVE, 50))).isFalse();
        assertThat(state.merge(entry(A, 2, MemberStatus.ALIVE, 150))).isTrue();
        assertThat(state.liveCount()).isEqualTo(1);
    }

    @Test
    void theEarlierDeclarationOfAStatusWins() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 1, MemberStatus.DEAD, 300));
        assertThat(state.merge(entry(A, 1, MemberStatus.DEAD, 200))).isTrue();
        assertThat(state.merge(entry(A, 1, MemberStatus.DEAD, 250))).isFalse();
        assertThat(state.member(A).sinceMs()).isEqualTo(200);
    }

    @Test
    void equalOrderFieldsAreDecidedByTheMetadataBytes() {
        MemberEntry one = entry(A, 1, MemberStatus.ALIVE, 5);
        MemberEntry two = new MemberEntry(A, 1, MemberStatus.ALIVE, 5, OTHER_META);
        // "10.0.0.2" > "10.0.0.1" bytewise
        assertThat(ClusterState.compare(two, one)).isPositive();
        assertThat(ClusterState.compare(one, two)).isNegative();
        assertThat(ClusterState.compare(one, entry(A, 1, MemberStatus.ALIVE, 5)))
                .isZero();
    }

    @Test
    void higherClaimCounterWins() {
        ClusterState state = new ClusterState();
        ClaimSet v1 = TestClaims.claims(A, 1, List.of(TestClaims.range("orders", 0, 100)));
        ClaimSet v2 = TestClaims.claims(A, 2, List.of());
        assertThat(state.merge(v2)).isTrue();
        assertThat(state.merge(v1)).isFalse();
        assertThat(state.claims(A)).isEqualTo(v2);
        assertThat(state.claimCount()).isEqualTo(1);
    }

    @Test
    void expiryRemovesTombstoneAndItsClaimsAndNothingElse() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 1, MemberStatus.DEAD, 1_000));
        state.merge(entry(B, 1, MemberStatus.LEFT, 5_000));
        state.merge(entry(C, 1, MemberStatus.ALIVE, 0));
        state.merge(TestClaims.claims(A, 3, List.of(TestClaims.range("orders", 0, 10))));
        state.merge(TestClaims.claims(C, 1, List.of(TestClaims.range("orders", 10, 20))));

        assertThat(state.expireTombstones(1_999, 1_000)).isEmpty();
        assertThat(state.expireTombstones(2_000, 1_000)).containsExactly(A);

        assertThat(state.member(A)).isNull();
        assertThat(state.claims(A)).isNull();
        assertThat(state.member(B)).isNotNull();
        assertThat(state.claims(C)).isNotNull();
        ClusterState expected = new ClusterState();
        expected.merge(entry(B, 1, MemberStatus.LEFT, 5_000));
        expected.merge(entry(C, 1, MemberStatus.ALIVE, 0));
        expected.merge(TestClaims.claims(C, 1, List.of(TestClaims.range("orders", 10, 20))));
        assertThat(state).isEqualTo(expected);
        assertThat(state.digest()).isEqualTo(expected.digest());
        assertThat(state.bucketDigests()).isEqualTo(expected.bucketDigests());
    }

    @Test
    void isExpiredOnlyForOldTombstones() {
        assertThat(ClusterState.isExpired(entry(A, 1, MemberStatus.ALIVE, 0), 10_000, 1))
                .isFalse();
        assertThat(ClusterState.isExpired(entry(A, 1, MemberStatus.SUSPECT, 0), 10_000, 1))
                .isFalse();
        assertThat(ClusterState.isExpired(entry(A, 1, MemberStatus.DEAD, 0), 10, 10))
                .isTrue();
        assertThat(ClusterState.isExpired(entry(A, 1, MemberStatus.LEFT, 1), 10, 10))
                .isFalse();
    }

    @Test
    void liveMembersBetweenIsInclusiveUnsignedAndSkipsTombstones() {
        ClusterState state = new ClusterState();
        NodeId low = new NodeId(5, 0);
        NodeId lowTwin = new NodeId(5, -1L);
        NodeId mid = new NodeId(0x7FFF_FFFF_FFFF_FFFFL, 9);
        NodeId high = new NodeId(0x8000_0000_0000_0000L, 9);
        NodeId top = new NodeId(-1L, -1L);
        NodeId dead = new NodeId(0x9000_0000_0000_0000L, 1);
        for (NodeId id : List.of(top, high, lowTwin, mid, low)) {
            state.merge(entry(id, 0, MemberStatus.ALIVE, 0));
        }
        state.merge(entry(dead, 0, MemberStatus.DEAD, 0));

        assertThat(ids(state, 5, 5)).containsExactly(low, lowTwin);
        assertThat(ids(state, 6, 0x8000_0000_0000_0000L)).containsExactly(mid, high);
        assertThat(ids(state, 0x8000_0000_0000_0001L, -1L)).containsExactly(top);
        assertThat(ids(state, 0, -1L)).containsExactly(low, lowTwin, mid, high, top);
        assertThat(ids(state, 0x9000_0000_0000_0000L, 0x9000_0000_0000_0000L)).isEmpty();
    }

    @Test
    void bucketDigestsChangeOnlyInTheBucketOfTheChangedEntry() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 0, MemberStatus.ALIVE, 0));
        state.merge(entry(C, 0, MemberStatus.ALIVE, 0));
        long[] before = state.bucketDigests();
        long digestBefore = state.digest();

        state.merge(entry(A, 1, MemberStatus.ALIVE, 0));
        long[] after = state.bucketDigests();
        int bucketA = ClusterState.bucketOf(A);
        assertThat(bucketA).isEqualTo(0x10);
        for (int b = 0; b < ClusterState.BUCKETS; b++) {
            if (b == bucketA) {
                assertThat(after[b]).isNotEqualTo(before[b]);
            } else {
                assertThat(after[b]).isEqualTo(before[b]);
            }
        }
        assertThat(state.digest() - digestBefore).isEqualTo(after[bucketA] - before[bucketA]);
        assertThat(ClusterState.bucketOf(C)).isEqualTo(0xF0);
        assertThat(after[0xF0]).isEqualTo(ClusterState.digestOf(entry(C, 0, MemberStatus.ALIVE, 0)));
    }

    @Test
    void membersAndClaimsOfADigestDoNotCancelOut() {
        assertThat(ClusterState.digestOf(TestClaims.claims(A, 0, List.of())))
                .isNotEqualTo(ClusterState.digestOf(TestClaims.claims(B, 0, List.of())));
        ClusterState empty = new ClusterState();
        assertThat(empty.digest()).isZero();
    }

    @Test
    void entriesInBucketsReturnsExactlyTheMaskedBuckets() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 0, MemberStatus.ALIVE, 0));
        state.merge(entry(B, 0, MemberStatus.DEAD, 0));
        state.merge(entry(C, 0, MemberStatus.ALIVE, 0));
        state.merge(TestClaims.claims(C, 0, List.of()));
        long[] mask = new long[4];
        mask[0x10 >>> 6] |= 1L << (0x10 & 63);
        mask[0xF0 >>> 6] |= 1L << (0xF0 & 63);
        List<MemberEntry> members = new ArrayList<>();
        List<ClaimSet> claims = new ArrayList<>();
        state.entriesInBuckets(mask, members, claims);
        assertThat(members).extracting(MemberEntry::id).containsExactly(A, C);
        assertThat(claims).extracting(ClaimSet::owner).containsExactly(C);
    }

    @Test
    void copyIsIndependent() {
        ClusterState state = new ClusterState();
        state.merge(entry(A, 0, MemberStatus.ALIVE, 0));
        ClusterState copy = state.copy();
        copy.merge(entry(B, 0, MemberStatus.ALIVE, 0));
        assertThat(state.memberCount()).isEqualTo(1);
        assertThat(copy.memberCount()).isEqualTo(2);
        assertThat(state).isNotEqualTo(copy);
        assertThat(state.digest()).isNotEqualTo(copy.digest());
    }

    @Test
    void decodeRejectsEntriesOutOfRingOrder() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeInt(2);
        EntryCodec.write(buf, entry(B, 0, MemberStatus.ALIVE, 0));
        EntryCodec.write(buf, entry(A, 0, MemberStatus.ALIVE, 0));
        buf.writeInt(0);
        assertThatThrownBy(() -> ClusterState.decodeCanonical(buf))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME));
    }

    @Test
    void decodeRejectsACountTheBytesCannotHold() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeInt(-1);
        assertThatThrownBy(() -> ClusterState.decodeCanonical(buf)).isInstanceOf(ProtocolException.class);
    }

    private static List<NodeId> ids(ClusterState state, long lo, long hi) {
        List<MemberEntry> into = new ArrayList<>();
        state.liveMembersBetween(lo, hi, into);
        return into.stream().map(MemberEntry::id).toList();
    }
}
