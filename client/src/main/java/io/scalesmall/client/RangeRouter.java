package io.scalesmall.client;

import java.util.Arrays;

/**
 * Picks the range of a message: the murmur3 hash (x86 32-bit, seed 0) of its key, as an unsigned
 * point of [0, 2^32), falls in exactly one range; keyless messages go round-robin over the ranges.
 * A router is immutable; a metadata refresh replaces it.
 *
 * <p>Thread-safe (the round-robin counter is deliberately unsynchronized: an occasional repeat is
 * harmless).
 */
final class RangeRouter {
    private final long[] firstHash;
    private final RangeProducer[] producers;
    private int roundRobin;

    /**
     * @param firstHash each range's first hash, ascending, the first one 0
     * @param producers the producer of each range, in the same order
     */
    RangeRouter(long[] firstHash, RangeProducer[] producers) {
        if (firstHash.length != producers.length || producers.length == 0) {
            throw new IllegalArgumentException("a router needs one producer per range and at least one range");
        }
        this.firstHash = firstHash.clone();
        this.producers = producers.clone();
    }

    /** A router with one range covering the whole key space. */
    static RangeRouter single(RangeProducer producer) {
        return new RangeRouter(new long[] {0}, new RangeProducer[] {producer});
    }

    /** The producer of the range {@code key} belongs to. */
    RangeProducer route(byte[] key) {
        RangeProducer[] p = producers;
        if (p.length == 1) {
            return p[0];
        }
        if (key == null) {
            int i = roundRobin++;
            return p[(i & Integer.MAX_VALUE) % p.length];
        }
        return p[indexOf(Integer.toUnsignedLong(Murmur3.hash32(key, 0)))];
    }

    /** The producer of the range holding {@code hash}. */
    RangeProducer producerOf(long hash) {
        return producers[indexOf(hash)];
    }

    /** The index of the range holding {@code hash}. */
    int indexOf(long hash) {
        int i = Arrays.binarySearch(firstHash, hash);
        return i >= 0 ? i : Math.max(0, -i - 2);
    }

    /** The producers, in hash order. */
    RangeProducer[] producers() {
        return producers.clone();
    }
}
