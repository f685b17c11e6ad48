package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClusterMessage;

/**
 * One entry of the simulation's event queue. Events are ordered by virtual time, then by the
 * order they were scheduled in ({@link #seq}), so a run never depends on anything but its seed.
 * Not thread-safe: the simulation is single-threaded.
 */
abstract class SimEvent {
    long timeUs;
    long seq;

    abstract void fire(Simulation sim);

    /** One line naming the event, for violation reports. */
    abstract String describe();

    /** A message arriving at a node ({@code deferred}: already queued behind a slow node's work). */
    static final class Delivery extends SimEvent {
        final SimNode from;
        final SimNode to;
        final ClusterMessage message;
        final int bytes;
        final boolean multicast;
        boolean deferred;
        int life;

        Delivery(SimNode from, SimNode to, ClusterMessage message, int bytes) {
            this(from, to, message, bytes, false);
        }

        Delivery(SimNode from, SimNode to, ClusterMessage message, int bytes, boolean multicast) {
            this.from = from;
            this.to = to;
            this.message = message;
            this.bytes = bytes;
            this.multicast = multicast;
        }

        @Override
        void fire(Simulation sim) {
            sim.fireDelivery(this);
        }

        @Override
        String describe() {
            return "deliver " + (multicast ? "multicast " : "")
                    + message.getClass().getSimpleName() + " from n" + from.index + " to n" + to.index + " at "
                    + Simulation.formatUs(timeUs);
        }
    }

    /** A node's protocol timer may be due ({@code token} tells a stale wake-up from the current one). */
    static final class TimerWake extends SimEvent {
        final SimNode node;
        final long token;
        boolean deferred;
        int life;

        TimerWake(SimNode node, long token) {
            this.node = node;
            this.token = token;
        }

        @Override
        void fire(Simulation sim) {
            sim.fireTimer(this);
        }

        @Override
        String describe() {
            return "timer of n" + node.index + " at " + Simulation.formatUs(timeUs);
        }
    }

    /** A scenario step (crash, partition, start of a node) or a measurement. */
    static final class Action extends SimEvent {
        final String description;
        final Runnable action;

        Action(String description, Runnable action) {
            this.description = description;
            this.action = action;
        }

        @Override
        void fire(Simulation sim) {
            action.run();
        }

        @Override
        String describe() {
            return description + " at " + Simulation.formatUs(timeUs);
        }
    }
}
