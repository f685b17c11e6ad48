package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterState;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;

/**
 * Whether the nodes' views agree with each other and with reality, probed periodically by the
 * simulation and once at the end; when they do not, says why. Reads the protocols' states only
 * between events. Not thread-safe.
 */
final class ConvergenceCheck {
    private final SimNode[] nodes;
    private final ChangeTracker tracker;
    private long convergedSinceUs = -1;
    private long firstConvergedUs = -1;
    private long probes;
    private long convergedProbes;

    ConvergenceCheck(SimNode[] nodes, ChangeTracker tracker) {
        this.nodes = nodes;
        this.tracker = tracker;
    }

    void probe(long nowUs) {
        probes++;
        if (isConverged()) {
            convergedProbes++;
            if (convergedSinceUs < 0) {
                convergedSinceUs = nowUs;
            }
            if (firstConvergedUs < 0) {
                firstConvergedUs = nowUs;
            }
        } else {
            convergedSinceUs = -1;
        }
    }

    /** Since when the views have been converged without a break, or -1. */
    long convergedSinceUs() {
        return convergedSinceUs;
    }

    /** Seconds of virtual time at which the views first converged; -1 if never. */
    double firstConvergedS() {
        return firstConvergedUs < 0 ? -1 : firstConvergedUs / 1e6;
    }

    /** The share of probes that found the views converged. */
    double convergedFraction() {
        return probes == 0 ? 0 : (double) convergedProbes / probes;
    }

    /**
     * Converged: every node up (and not leaving) holds the same state digest, sees every such node
     * ALIVE, and sees no other member as live.
     */
    boolean isConverged() {
        ClusterState ref = null;
        long digest = 0;
        int expected = 0;
        for (SimNode n : nodes) {
            if (!n.up || n.leaving) {
                continue;
            }
            expected++;
            ClusterState s = n.protocol.state();
            if (ref == null) {
                ref = s;
                digest = s.digest();
            } else if (s.digest() != digest) {
                return false;
            }
        }
        if (ref == null) {
            return true;
        }
        if (ref.liveCount() != expected) {
            return false;
        }
        for (SimNode n : nodes) {
            if (n.up && !n.leaving) {
                MemberEntry e = ref.member(n.id);
                if (e == null || e.status() != MemberStatus.ALIVE) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Why the views are not converged (the first reason found), or null when they are. */
    String divergence() {
        SimNode ref = null;
        SimNode firstDiffering = null;
        int expected = 0;
        int digests = 0;
        for (SimNode n : nodes) {
            if (!n.up || n.leaving) {
                continue;
            }
            expected++;
            if (ref == null) {
                ref = n;
            } else if (n.protocol.state().digest() != ref.protocol.state().digest()) {
                if (digests++ == 0) {
                    firstDiffering = n;
                }
            }
        }
        if (ref == null) {
            return null;
        }
        StringBuilder why = new StringBuilder();
        if (digests > 0) {
            why.append(digests)
                    .append(" nodes' digests differ from ")
                    .append(ref)
                    .append("'s (")
                    .append(firstDifference(ref.protocol.state(), firstDiffering.protocol.state(), firstDiffering))
                    .append("); ");
        }
        ClusterState view = ref.protocol.state();
        for (SimNode n : nodes) {
            MemberEntry e = view.member(n.id);
            boolean shouldBeAlive = n.up && !n.leaving;
            if (shouldBeAlive && (e == null || e.status() != MemberStatus.ALIVE)) {
                why.append(ref)
                        .append(" sees ")
                        .append(n)
                        .append(" (up) as ")
                        .append(e == null ? "absent" : e.status() + "@" + e.incarnation())
                        .append("; ");
            } else if (!shouldBeAlive && e != null && e.status().isLive()) {
                why.append(ref)
                        .append(" sees ")
                        .append(n)
                        .append(" (down) as ")
                        .append(e.status() + "@" + e.incarnation())
                        .append("; ");
            }
            if (why.length() > 400) {
                break;
            }
        }
        if (view.liveCount() != expected && why.length() == 0) {
            why.append("live members ")
                    .append(view.liveCount())
                    .append(" != nodes up ")
                    .append(expected);
        }
        return why.length() == 0 ? null : why.toString();
    }

    private static String firstDifference(ClusterState a, ClusterState b, SimNode bNode) {
        for (MemberEntry e : a.members()) {
            MemberEntry o = b.member(e.id());
            if (!e.equals(o)) {
                return "member " + e.id() + ": " + brief(e) + " vs " + brief(o) + " at " + bNode;
            }
            ClaimSet ca = a.claims(e.id());
            ClaimSet cb = b.claims(e.id());
            if (ca == null ? cb != null : !ca.equals(cb)) {
                return "claims of " + brief(e) + " member " + e.id() + ": " + brief(ca) + " vs " + brief(cb) + " at "
                        + bNode;
            }
        }
        for (MemberEntry e : b.members()) {
            if (a.member(e.id()) == null) {
                return "member " + e.id() + " only at " + bNode;
            }
        }
        return "same entries, different digests";
    }

    private static String brief(MemberEntry e) {
        return e == null
                ? "absent"
                : e.status() + "@" + e.incarnation() + " since " + (e.sinceMs() - Simulation.EPOCH_MS) + " ms";
    }

    private static String brief(ClaimSet c) {
        return c == null
                ? "absent"
                : "counter " + c.counter() + " with " + c.ranges().size() + " ranges";
    }

    /**
     * Null when every node up (and not leaving) holds every such node ALIVE and no other member
     * live, checked at every node (claims and timestamps aside, unlike {@link #isConverged});
     * otherwise the first disagreement found.
     */
    String membershipDisagreement() {
        int expected = 0;
        for (SimNode n : nodes) {
            if (n.up && !n.leaving) {
                expected++;
            }
        }
        for (SimNode viewer : nodes) {
            if (!viewer.up || viewer.leaving) {
                continue;
            }
            int alive = 0;
            for (MemberEntry e : viewer.protocol.state().members()) {
                if (e.status().isLive()) {
                    SimNode m = tracker.node(e.id());
                    if (e.status() != MemberStatus.ALIVE || m == null || !m.up || m.leaving) {
                        return viewer + " sees " + (m == null ? e.id() : m) + " as " + e.status() + "@"
                                + e.incarnation() + (m != null && m.up ? "" : " (down)");
                    }
                    alive++;
                }
            }
            if (alive != expected) {
                return viewer + " sees " + alive + " members ALIVE of " + expected + " up";
            }
        }
        return null;
    }
}
