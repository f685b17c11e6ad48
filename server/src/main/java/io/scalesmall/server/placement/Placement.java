package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The target placement of a key slice: which nodes should take its writes. A pure function of the
 * slice and the candidate nodes, computed the same way on every node, so no node has to decide
 * for the others.
 *
 * <p>Design note. Weighted rendezvous hashing (highest random weight): every candidate gets a
 * score {@code weight / -ln(u)}, where {@code u} in (0, 1) is a hash of (stream, slice, node), and
 * the highest scores win. A node with twice the weight wins about twice as many slices; a node
 * that joins or leaves changes only the slices it wins or loses, never the order of the others.
 * With zones, the replicas are the best-scored node of each zone in score order first, then the
 * best of the rest. Only {@link StrictMath} is used, so every JVM computes the same scores.
 *
 * <p>Stateless; thread-safe.
 */
public final class Placement {
    /**
     * A node that may hold replicas.
     *
     * @param id the node
     * @param weight its capacity (bytes of disk it offers); larger wins more slices; must be
     *     positive
     * @param zone its failure zone, or the empty string
     */
    public record Candidate(NodeId id, double weight, String zone) {
        public Candidate {
            if (!(weight > 0)) {
                throw new IllegalArgumentException("a candidate needs a positive weight: " + weight);
            }
            zone = zone == null ? "" : zone;
        }
    }

    private record Scored(Candidate candidate, double score) {}

    private static final Comparator<Scored> BEST_FIRST = Comparator.comparingDouble(Scored::score)
            .reversed()
            .thenComparing(s -> s.candidate.id().high())
            .thenComparing(s -> s.candidate.id().low());

    private Placement() {}

    /**
     * The nodes that should replicate {@code [startHash, endHash)} of {@code stream}, best first:
     * {@code min(replicationFactor, candidates)} distinct nodes, spread over as many zones as
     * there are.
     */
    public static List<NodeId> targetReplicas(
            String stream, long startHash, long endHash, int replicationFactor, List<Candidate> candidates) {
        return rank(sliceHash(stream, startHash, endHash), replicationFactor, candidates);
    }

    /**
     * The nodes that should take new copies of range {@code rangeId} of {@code stream}, best
     * first: {@code min(count, candidates)} distinct nodes by the same weighted rendezvous
     * hashing, but ranked for this range alone, so the copies of the ranges a dead node held
     * spread over the survivors instead of all landing on a slice's next node.
     */
    public static List<NodeId> copyTargets(String stream, int rangeId, int count, List<Candidate> candidates) {
        return rank(mix(sliceHash(stream, rangeId, ~rangeId) ^ 0x5DEECE66DL), count, candidates);
    }

    private static List<NodeId> rank(long base, int replicationFactor, List<Candidate> candidates) {
        List<Scored> scored = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            scored.add(new Scored(c, score(base, c)));
        }
        scored.sort(BEST_FIRST);
        int wanted = Math.min(replicationFactor, scored.size());
        List<NodeId> replicas = new ArrayList<>(wanted);
        Set<String> zonesUsed = new HashSet<>();
        boolean zoned = false;
        for (Scored s : scored) {
            if (!s.candidate.zone().isEmpty()) {
                zoned = true;
                break;
            }
        }
        if (zoned) {
            for (Scored s : scored) {
                if (replicas.size() == wanted) {
                    break;
                }
                if (zonesUsed.add(s.candidate.zone())) {
                    replicas.add(s.candidate.id());
                }
            }
        }
        for (Scored s : scored) {
            if (replicas.size() == wanted) {
                break;
            }
            if (!replicas.contains(s.candidate.id())) {
                replicas.add(s.candidate.id());
            }
        }
        if (zoned) {
            // Keep the replicas in score order: the first one is the slice's preferred node.
            List<NodeId> ordered = new ArrayList<>(replicas.size());
            for (Scored s : scored) {
                if (replicas.contains(s.candidate.id())) {
                    ordered.add(s.candidate.id());
                }
            }
            return ordered;
        }
        return replicas;
    }

    /** The rendezvous score of {@code candidate} for the slice whose hash is {@code base}. */
    static double score(long base, Candidate candidate) {
        long h = mix(base
                ^ mix(candidate.id().high() ^ 0x9E3779B97F4A7C15L)
                ^ mix(candidate.id().low()));
        // 53 random bits -> u in (0, 1), never 0 nor 1.
        double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
        return candidate.weight() / -StrictMath.log(u);
    }

    /** A 64-bit hash of a stream's key slice. */
    static long sliceHash(String stream, long startHash, long endHash) {
        long h = 0xCBF29CE484222325L;
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return mix(h ^ mix(startHash * 0xC2B2AE3D27D4EB4FL + endHash));
    }

    /** The finalizer of SplitMix64: a bijective, well-mixing 64-bit permutation. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The {@code index}-th of {@code count} equal slices of the key space {@code [0, 2^32)}: its
     * start (inclusive) and end (exclusive).
     */
    public static long[] slice(int index, int count) {
        long start = (index * (1L << 32)) / count;
        long end = ((index + 1) * (1L << 32)) / count;
        return new long[] {start, end};
    }
}
