package io.scalesmall.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The CRDT laws of {@link ClusterState}, and the agreement of its digests with its contents. */
class ClusterStateProperties {

    @Property(tries = 2000)
    void memberOrderIsATotalOrderConsistentWithEquals(
            @ForAll("members") MemberEntry a, @ForAll("members") MemberEntry b, @ForAll("members") MemberEntry c) {
        assertThat(Integer.signum(ClusterState.compare(a, b))).isEqualTo(-Integer.signum(ClusterState.compare(b, a)));
        assertThat(ClusterState.compare(a, b) == 0).isEqualTo(a.equals(b));
        if (ClusterState.compare(a, b) <= 0 && ClusterState.compare(b, c) <= 0) {
            assertThat(ClusterState.compare(a, c)).isLessThanOrEqualTo(0);
        }
    }

    @Property(tries = 2000)
    void claimOrderIsATotalOrderConsistentWithEquals(
            @ForAll("claims") ClaimSet a, @ForAll("claims") ClaimSet b, @ForAll("claims") ClaimSet c) {
        assertThat(Integer.signum(ClusterState.compare(a, b))).isEqualTo(-Integer.signum(ClusterState.compare(b, a)));
        assertThat(ClusterState.compare(a, b) == 0).isEqualTo(a.equals(b));
        if (ClusterState.compare(a, b) <= 0 && ClusterState.compare(b, c) <= 0) {
            assertThat(ClusterState.compare(a, c)).isLessThanOrEqualTo(0);
        }
    }

    @Property(tries = 1000)
    void mergingAnEntryTwiceChangesNothingTheSecondTime(
            @ForAll("states") ClusterState state, @ForAll("members") MemberEntry m, @ForAll("claims") ClaimSet c) {
        state.merge(m);
        state.merge(c);
        ClusterState before = state.copy();
        assertThat(state.merge(m)).isFalse();
        assertThat(state.merge(c)).isFalse();
        assertThat(state).isEqualTo(before);
        assertThat(state.digest()).isEqualTo(before.digest());
    }

    @Property(tries = 1000)
    void entryMergeIsCommutative(@ForAll("members") MemberEntry a, @ForAll("members") MemberEntry b) {
        ClusterState ab = new ClusterState();
        ab.merge(a);
        ab.merge(b);
        ClusterState ba = new ClusterState();
        ba.merge(b);
        ba.merge(a);
        assertThat(ab).isEqualTo(ba);
        assertConsistent(ab);
    }

    @Property(tries = 1000)
    void stateMergeIsIdempotent(@ForAll("states") ClusterState a, @ForAll("states") ClusterState b) {
        ClusterState self = a.copy();
        assertThat(self.mergeAll(a)).isFalse();
        assertThat(self).isEqualTo(a);

        ClusterState once = a.copy();
        once.mergeAll(b);
        ClusterState twice = once.copy();
        assertThat(twice.mergeAll(b)).isFalse();
        assertThat(twice).isEqualTo(once);
    }

    @Property(tries = 1000)
    void stateMergeIsCommutative(@ForAll("states") ClusterState a, @ForAll("states") ClusterState b) {
        ClusterState ab = a.copy();
        ab.mergeAll(b);
        ClusterState ba = b.copy();
        ba.mergeAll(a);
        assertThat(ab).isEqualTo(ba);
        assertThat(ab.digest()).isEqualTo(ba.digest());
        assertThat(ab.bucketDigests()).isEqualTo(ba.bucketDigests());
        assertConsistent(ab);
    }

    @Property(tries = 1000)
    void stateMergeIsAssociative(
            @ForAll("states") ClusterState a, @ForAll("states") ClusterState b, @ForAll("states") ClusterState c) {
        ClusterState left = a.copy();
        left.mergeAll(b);
        left.mergeAll(c);
        ClusterState bc = b.copy();
        bc.mergeAll(c);
        ClusterState right = a.copy();
        right.mergeAll(bc);
        assertThat(left).isEqualTo(right);
        assertConsistent(left);
    }

    @Property(tries = 1000)
    void digestsAreEqualExactlyWhenCanonicalEncodingsAre(
            @ForAll("states") ClusterState a, @ForAll("states") ClusterState b) {
        boolean sameBytes = ByteBufUtil.equals(encode(a), encode(b));
        assertThat(a.digest() == b.digest()).isEqualTo(sameBytes);
        assertThat(a.equals(b)).isEqualTo(sameBytes);
        for (int bucket = 0; bucket < ClusterState.BUCKETS; bucket++) {
            assertThat(a.bucketDigest(bucket) == b.bucketDigest(bucket))
                    .isEqualTo(sameBytes || bucketsHoldTheSameEntries(a, b, bucket));
        }
    }

    @Property(tries = 1000)
    void applyingOnlyTheChangedEntriesGivesTheSameState(
            @ForAll("states") ClusterState start, @ForAll("states") ClusterState news) {
        ClusterState origin = start.copy();
        List<MemberEntry> changedMembers = new ArrayList<>();
        List<ClaimSet> changedClaims = new ArrayList<>();
        for (MemberEntry m : news.members()) {
            if (origin.merge(m)) {
                changedMembers.add(m);
            }
        }
        for (ClaimSet c : news.allClaims()) {
            if (origin.merge(c)) {
                changedClaims.add(c);
            }
        }
        ClusterState replica = start.copy();
        changedMembers.forEach(replica::merge);
        changedClaims.forEach(replica::merge);
        assertThat(replica).isEqualTo(origin);

        ClusterState full = start.copy();
        full.mergeAll(news);
        assertThat(replica).isEqualTo(full);
    }

    @Property(tries = 1000)
    void sendingTheEntriesOfDifferingBucketsGivesTheFullMerge(
            @ForAll("states") ClusterState receiver, @ForAll("states") ClusterState sender) {
        long[] mask = new long[ClusterState.BUCKETS / 64];
        for (int b = 0; b < ClusterState.BUCKETS; b++) {
            if (receiver.bucketDigest(b) != sender.bucketDigest(b)) {
                mask[b >>> 6] |= 1L << (b & 63);
            }
        }
        List<MemberEntry> members = new ArrayList<>();
        List<ClaimSet> claims = new ArrayList<>();
        sender.entriesInBuckets(mask, members, claims);
        ClusterState viaBuckets = receiver.copy();
        members.forEach(viaBuckets::merge);
        claims.forEach(viaBuckets::merge);
        ClusterState full = receiver.copy();
        full.mergeAll(sender);
        assertThat(viaBuckets).isEqualTo(full);
    }

    @Property(tries = 1000)
    void canonicalEncodingRoundTrips(@ForAll("states") ClusterState state) {
        ByteBuf bytes = encode(state);
        assertThat(bytes.readableBytes()).isEqualTo(state.encodedSize());
        ClusterState decoded = ClusterState.decodeCanonical(bytes);
        assertThat(bytes.isReadable()).isFalse();
        assertThat(decoded).isEqualTo(state);
        assertThat(decoded.digest()).isEqualTo(state.digest());
        assertThat(decoded.liveCount()).isEqualTo(state.liveCount());
    }

    @Property(tries = 1000)
    void cutOrDamagedEncodingsDecodeCanonicallyOrFailWithMalformedFrame(
            @ForAll("states") ClusterState state,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed,
            @ForAll byte replacement) {
        byte[] bytes = ByteBufUtil.getBytes(encode(state));
        EntryCodecProperties.assertMalformed(
                () -> ClusterState.decodeCanonical(Unpooled.wrappedBuffer(bytes, 0, seed % bytes.length)));
        bytes[seed % bytes.length] = replacement;
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        ClusterState decoded;
        try {
            decoded = ClusterState.decodeCanonical(in);
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("expected a state or a ProtocolException but got " + e, e);
        }
        assertThat(ByteBufUtil.getBytes(encode(decoded))).isEqualTo(Arrays.copyOf(bytes, in.readerIndex()));
        assertConsistent(decoded);
    }

    @Property(tries = 500)
    void expiryKeepsTheDigestsConsistent(
            @ForAll("states") ClusterState state, @ForAll("times") long nowMs, @ForAll("times") long ttlMs) {
        List<?> forgotten = state.expireTombstones(nowMs, ttlMs);
        for (MemberEntry m : state.members()) {
            assertThat(ClusterState.isExpired(m, nowMs, ttlMs)).isFalse();
        }
        assertThat(forgotten).doesNotHaveDuplicates();
        assertConsistent(state);
    }

    /** The cached counters and digests agree with a state rebuilt from the entries alone. */
    static void assertConsistent(ClusterState state) {
        ClusterState rebuilt = ClusterState.decodeCanonical(encode(state));
        assertThat(state.digest()).isEqualTo(rebuilt.digest());
        assertThat(state.bucketDigests()).isEqualTo(rebuilt.bucketDigests());
        long live = state.members().stream().filter(m -> m.status().isLive()).count();
        assertThat(state.liveCount()).isEqualTo((int) live);
        long sum = 0;
        for (long d : state.bucketDigests()) {
            sum += d;
        }
        assertThat(state.digest()).isEqualTo(sum);
        long fromEntries = 0;
        for (MemberEntry m : state.members()) {
            fromEntries += ClusterState.digestOf(m);
        }
        for (ClaimSet c : state.allClaims()) {
            fromEntries += ClusterState.digestOf(c);
        }
        assertThat(state.digest()).isEqualTo(fromEntries);
    }

    static ByteBuf encode(ClusterState state) {
        ByteBuf buf = Unpooled.buffer();
        state.encodeCanonical(buf);
        return buf;
    }

    private static boolean bucketsHoldTheSameEntries(ClusterState a, ClusterState b, int bucket) {
        long[] mask = new long[ClusterState.BUCKETS / 64];
        mask[bucket >>> 6] |= 1L << (bucket & 63);
        List<MemberEntry> am = new ArrayList<>();
        List<ClaimSet> ac = new ArrayList<>();
        List<MemberEntry> bm = new ArrayList<>();
        List<ClaimSet> bc = new ArrayList<>();
        a.entriesInBuckets(mask, am, ac);
        b.entriesInBuckets(mask, bm, bc);
        return am.equals(bm) && ac.equals(bc);
    }

    @Provide
    Arbitrary<MemberEntry> members() {
        return ClusterArbitraries.members();
    }

    @Provide
    Arbitrary<ClaimSet> claims() {
        return ClusterArbitraries.claims();
    }

    @Provide
    Arbitrary<ClusterState> states() {
        return ClusterArbitraries.states();
    }

    @Provide
    Arbitrary<Long> times() {
        return Arbitraries.longs().between(0, 6);
    }
}
