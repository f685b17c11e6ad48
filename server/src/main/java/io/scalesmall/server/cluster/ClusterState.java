package io.scalesmall.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.FieldCodec;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The cluster-state CRDT one node holds: every member entry and every claim set, merged entry by
 * entry (see {@link MemberEntry} and {@link ClaimSet} for the orders). Not thread-safe: owned by
 * the protocol's thread.
 *
 * <p>Entries are kept in ring order (the node id as an unsigned 128-bit number). The ring serves
 * two purposes: the logarithmic broadcast names its target sets as ring ranges, and anti-entropy
 * compares the state in {@link #BUCKETS} buckets, a bucket being the top 8 bits of the id.
 *
 * <p>The digest of an entry is a 64-bit hash of its canonical encoding; a bucket's digest is the
 * sum of its entries' digests and the state's digest the sum of all. Sums make the digest
 * incremental (a merge updates it in constant time) and independent of insertion order.
 *
 * <p>Design note. The simulator holds thousands of states of thousands of entries in one process,
 * so an entry costs one TreeMap node and nothing more: entry digests are not cached but computed
 * (XXH64 of {@link EntryCodec}'s encoding, seeded differently for members and claims) when an
 * entry is added or replaced, for the new and the old entry. Entries are immutable and shared
 * between states; {@link #copy} shares them. Invariants, after every public method: {@code
 * liveCount} counts the live members, {@code bucketDigests[b]} is the wrapping sum of the digests
 * of the entries of bucket {@code b}, and {@code digest} the wrapping sum of all bucket digests.
 * The canonical encoding of the whole state ({@link #encodeCanonical}) is {@code u32 memberCount,
 * members in ring order, u32 claimCount, claim sets in ring order}.
 */
public final class ClusterState {
    /** Anti-entropy buckets: the top 8 bits of a node id. */
    public static final int BUCKETS = 256;

    /** Ring order: the id as an unsigned 128-bit number. */
    public static final Comparator<NodeId> RING_ORDER = (a, b) -> {
        int c = Long.compareUnsigned(a.high(), b.high());
        return c != 0 ? c : Long.compareUnsigned(a.low(), b.low());
    };

    /** XXH64 seed of member entry digests. */
    static final long MEMBER_SEED = 0x5CA1E5A11L;
    /** XXH64 seed of claim set digests, distinct so that the two kinds never cancel out. */
    static final long CLAIMS_SEED = 0xC1A1A5E7L;

    private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();
    /** Scratch for encoding an entry before hashing it; bigger buffers are dropped after use. */
    private static final ThreadLocal<ByteBuf> SCRATCH = ThreadLocal.withInitial(() -> Unpooled.buffer(256));

    private static final int SCRATCH_KEEP_BYTES = 64 * 1024;

    private final TreeMap<NodeId, MemberEntry> members;
    private final TreeMap<NodeId, ClaimSet> claims;
    private final long[] bucketDigests;
    private int liveCount;
    private long digest;

    /** An empty state. */
    public ClusterState() {
        this(new TreeMap<>(RING_ORDER), new TreeMap<>(RING_ORDER), new long[BUCKETS], 0, 0);
    }

    private ClusterState(
            TreeMap<NodeId, MemberEntry> members,
            TreeMap<NodeId, ClaimSet> claims,
            long[] bucketDigests,
            int liveCount,
            long digest) {
        this.members = members;
        this.claims = claims;
        this.bucketDigests = bucketDigests;
        this.liveCount = liveCount;
        this.digest = digest;
    }

    /** A node's position on the broadcast ring: the high 64 bits of its id, unsigned. */
    public static long ringPosition(NodeId id) {
        return id.high();
    }

    /** The anti-entropy bucket of a node id. */
    public static int bucketOf(NodeId id) {
        return (int) (id.high() >>> 56);
    }

    /**
     * The merge order of two entries of one member: negative when {@code a} loses to {@code b},
     * zero when they are equal. Higher incarnation, then later status, then the earlier {@code
     * sinceMs}, then the canonical encoding compared as unsigned bytes.
     */
    public static int compare(MemberEntry a, MemberEntry b) {
        int c = Long.compare(a.incarnation(), b.incarnation());
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.status().ordinal(), b.status().ordinal());
        if (c != 0) {
            return c;
        }
        c = Long.compare(b.sinceMs(), a.sinceMs());
        if (c != 0) {
            return c;
        }
        if (a == b || a.equals(b)) {
            return 0;
        }
        return compareBytes(encode(a), encode(b));
    }

    /**
     * The merge order of two claim sets of one owner: higher counter, then the canonical encoding
     * compared as unsigned bytes.
     */
    public static int compare(ClaimSet a, ClaimSet b) {
        int c = Long.compare(a.counter(), b.counter());
        if (c != 0) {
            return c;
        }
        if (a == b || a.equals(b)) {
            return 0;
        }
        return compareBytes(encode(a), encode(b));
    }

    /** XXH64 of the canonical encoding of {@code entry}: its share of the digests. */
    public static long digestOf(MemberEntry entry) {
        ByteBuf buf = SCRATCH.get().clear();
        EntryCodec.write(buf, entry);
        return hashAndRelease(buf, MEMBER_SEED);
    }

    /** XXH64 of the canonical encoding of {@code claimSet}: its share of the digests. */
    public static long digestOf(ClaimSet claimSet) {
        ByteBuf buf = SCRATCH.get().clear();
        EntryCodec.write(buf, claimSet);
        return hashAndRelease(buf, CLAIMS_SEED);
    }

    /** The member entry of {@code id}, or null. */
    public MemberEntry member(NodeId id) {
        return members.get(id);
    }

    /** The claims of {@code id}, or null. */
    public ClaimSet claims(NodeId id) {
        return claims.get(id);
    }

    /** Merges one entry; true when the state changed (the entry was new or greater). */
    public boolean merge(MemberEntry entry) {
        NodeId id = entry.id();
        MemberEntry old = members.get(id);
        if (old != null && compare(entry, old) <= 0) {
            return false;
        }
        members.put(id, entry);
        long delta = digestOf(entry);
        if (old != null) {
            delta -= digestOf(old);
            if (old.status().isLive()) {
                liveCount--;
            }
        }
        if (entry.status().isLive()) {
            liveCount++;
        }
        addDigest(id, delta);
        return true;
    }

    /** Merges one claim set; true when the state changed. */
    public boolean merge(ClaimSet claimSet) {
        NodeId owner = claimSet.owner();
        ClaimSet old = claims.get(owner);
        if (old != null && compare(claimSet, old) <= 0) {
            return false;
        }
        claims.put(owner, claimSet);
        long delta = digestOf(claimSet);
        if (old != null) {
            delta -= digestOf(old);
        }
        addDigest(owner, delta);
        return true;
    }

    /**
     * Merges every entry of {@code other} into this state; true when this state changed. Afterwards
     * this state is the join of both.
     */
    public boolean mergeAll(ClusterState other) {
        boolean changed = false;
        for (MemberEntry entry : other.members.values()) {
            changed |= merge(entry);
        }
        for (ClaimSet claimSet : other.claims.values()) {
            changed |= merge(claimSet);
        }
        return changed;
    }

    /** An independent state with the same contents (the immutable entries are shared). */
    public ClusterState copy() {
        return new ClusterState(
                new TreeMap<>(members), new TreeMap<>(claims), bucketDigests.clone(), liveCount, digest);
    }

    /** Number of member entries, tombstones included. */
    public int memberCount() {
        return members.size();
    }

    /** Number of claim sets. */
    public int claimCount() {
        return claims.size();
    }

    /** Number of ALIVE and SUSPECT members. */
    public int liveCount() {
        return liveCount;
    }

    /** All member entries in ring order; an unmodifiable live view. */
    public Collection<MemberEntry> members() {
        return Collections.unmodifiableCollection(members.values());
    }

    /** All claim sets in ring order of their owners; an unmodifiable live view. */
    public Collection<ClaimSet> allClaims() {
        return Collections.unmodifiableCollection(claims.values());
    }

    /**
     * Appends to {@code into}, in ring order, every live member whose {@link #ringPosition} lies in
     * {@code [lo, hi]} (unsigned, inclusive; {@code lo <= hi} unsigned).
     */
    public void liveMembersBetween(long lo, long hi, List<MemberEntry> into) {
        if (Long.compareUnsigned(lo, hi) > 0) {
            return;
        }
        for (MemberEntry entry : members.subMap(new NodeId(lo, 0), true, new NodeId(hi, -1L), true)
                .values()) {
            if (entry.status().isLive()) {
                into.add(entry);
            }
        }
    }

    /** Digest of the whole state. */
    public long digest() {
        return digest;
    }

    /** A copy of the {@link #BUCKETS} bucket digests. */
    public long[] bucketDigests() {
        return bucketDigests.clone();
    }

    /** The digest of bucket {@code bucket}, without copying the array. */
    public long bucketDigest(int bucket) {
        return bucketDigests[bucket];
    }

    /** Appends every member entry and claim set in the buckets set in {@code bucketMask}. */
    public void entriesInBuckets(long[] bucketMask, List<MemberEntry> members, List<ClaimSet> claims) {
        int words = Math.min(bucketMask.length, BUCKETS / 64);
        for (int b = 0; b < words * 64; b++) {
            if ((bucketMask[b >>> 6] & (1L << (b & 63))) == 0) {
                continue;
            }
            NodeId from = new NodeId((long) b << 56, 0);
            NodeId to = new NodeId(((long) b << 56) | 0x00FF_FFFF_FFFF_FFFFL, -1L);
            members.addAll(this.members.subMap(from, true, to, true).values());
            claims.addAll(this.claims.subMap(from, true, to, true).values());
        }
    }

    /**
     * Forgets every DEAD or LEFT member whose {@code sinceMs + ttlMs <= nowMs}, with its claims,
     * and every claim set whose owner is not a member.
     *
     * @return the ids forgotten
     */
    public List<NodeId> expireTombstones(long nowMs, long ttlMs) {
        List<NodeId> forgotten = new ArrayList<>();
        Iterator<MemberEntry> it = members.values().iterator();
        while (it.hasNext()) {
            MemberEntry entry = it.next();
            if (isExpired(entry, nowMs, ttlMs)) {
                it.remove();
                long delta = -digestOf(entry);
                ClaimSet claimSet = claims.remove(entry.id());
                if (claimSet != null) {
                    delta -= digestOf(claimSet);
                }
                addDigest(entry.id(), delta);
                forgotten.add(entry.id());
            }
        }
        // Claims whose member is gone (forgotten here, or never known): a lagging node may still
        // send them until it forgets the member too.
        Iterator<ClaimSet> orphans = claims.values().iterator();
        while (orphans.hasNext()) {
            ClaimSet claimSet = orphans.next();
            if (!members.containsKey(claimSet.owner())) {
                orphans.remove();
                addDigest(claimSet.owner(), -digestOf(claimSet));
            }
        }
        return forgotten;
    }

    /** True for a tombstone old enough to be forgotten; such entries are not merged in again. */
    public static boolean isExpired(MemberEntry entry, long nowMs, long ttlMs) {
        return entry.status().isTombstone() && entry.sinceMs() + ttlMs <= nowMs;
    }

    /** Writes the canonical encoding of the whole state (see the class comment). */
    public void encodeCanonical(ByteBuf out) {
        out.writeInt(members.size());
        for (MemberEntry entry : members.values()) {
            EntryCodec.write(out, entry);
        }
        out.writeInt(claims.size());
        for (ClaimSet claimSet : claims.values()) {
            EntryCodec.write(out, claimSet);
        }
    }

    /** Size in bytes of {@link #encodeCanonical}'s output. */
    public int encodedSize() {
        int size = 8;
        for (MemberEntry entry : members.values()) {
            size += EntryCodec.encodedSize(entry);
        }
        for (ClaimSet claimSet : claims.values()) {
            size += EntryCodec.encodedSize(claimSet);
        }
        return size;
    }

    /**
     * Reads a state written by {@link #encodeCanonical}. Strict: entries must come in strictly
     * increasing ring order, so that only canonical encodings are accepted.
     *
     * @throws ProtocolException with {@code MALFORMED_FRAME} for any malformed input
     */
    public static ClusterState decodeCanonical(ByteBuf in) {
        ClusterState state = new ClusterState();
        int memberCount = readCount(in, EntryCodec.MIN_MEMBER_BYTES, "members");
        NodeId previous = null;
        for (int i = 0; i < memberCount; i++) {
            MemberEntry entry = EntryCodec.readMember(in);
            if (previous != null && RING_ORDER.compare(previous, entry.id()) >= 0) {
                throw EntryCodec.malformed("member entries out of ring order");
            }
            previous = entry.id();
            state.merge(entry);
        }
        int claimCount = readCount(in, EntryCodec.MIN_CLAIMS_BYTES, "claim sets");
        previous = null;
        for (int i = 0; i < claimCount; i++) {
            ClaimSet claimSet = EntryCodec.readClaims(in);
            if (previous != null && RING_ORDER.compare(previous, claimSet.owner()) >= 0) {
                throw EntryCodec.malformed("claim sets out of ring order");
            }
            previous = claimSet.owner();
            state.merge(claimSet);
        }
        return state;
    }

    /** Equal when both hold the same entries (the digests then agree too). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterState other
                && digest == other.digest
                && liveCount == other.liveCount
                && members.equals(other.members)
                && claims.equals(other.claims);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(digest);
    }

    @Override
    public String toString() {
        return "ClusterState[members=" + members.size() + ", live=" + liveCount + ", claims=" + claims.size()
                + ", digest=" + Long.toHexString(digest) + "]";
    }

    private void addDigest(NodeId id, long delta) {
        bucketDigests[bucketOf(id)] += delta;
        digest += delta;
    }

    private static int readCount(ByteBuf in, int minEntryBytes, String what) {
        FieldCodec.require(in, 4);
        long count = in.readUnsignedInt();
        if (count * minEntryBytes > in.readableBytes()) {
            throw EntryCodec.malformed(count + " " + what + " cannot fit in the " + in.readableBytes() + " bytes left");
        }
        return (int) count;
    }

    private static long hashAndRelease(ByteBuf buf, long seed) {
        long hash = XXH64.hash(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes(), seed);
        if (buf.capacity() > SCRATCH_KEEP_BYTES) {
            SCRATCH.set(Unpooled.buffer(256));
        }
        return hash;
    }

    private static byte[] encode(MemberEntry entry) {
        ByteBuf buf = Unpooled.buffer(EntryCodec.encodedSize(entry));
        EntryCodec.write(buf, entry);
        return ByteBufUtil.getBytes(buf);
    }

    private static byte[] encode(ClaimSet claimSet) {
        ByteBuf buf = Unpooled.buffer(EntryCodec.encodedSize(claimSet));
        EntryCodec.write(buf, claimSet);
        return ByteBufUtil.getBytes(buf);
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
