package io.scalesmall.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What happens to the cluster during a run. Every scenario but {@link #JOIN} starts from a formed
 * cluster (every node's view already holds every node ALIVE) so that its measurements are about
 * its fault only. Faults never hit the seeds (the first {@link Simulation#SEEDS} nodes), through
 * which restarted nodes join. The fault starts at {@link SimConfig#faultAtS()}; steady-state
 * traffic is measured before it.
 */
public enum Scenario {
    /** Node 0 starts alone; every other node joins through it at a random time in the first seconds. */
    JOIN("all nodes join through one seed, staggered over the first seconds") {
        @Override
        void plan(Simulation sim) {
            SimConfig c = sim.config();
            sim.tracker().healthyNeverDead = true;
            SimNode[] nodes = sim.nodes();
            sim.at(0, "start of the seed n0", () -> sim.startJoining(nodes[0], List.of()));
            double spreadS = joinSpreadS(c);
            SplittableRandom r = sim.scenarioRandom();
            for (int i = 1; i < nodes.length; i++) {
                SimNode n = nodes[i];
                sim.at(0.1 + r.nextDouble() * spreadS, "join of n" + i, () -> {
                    sim.startJoining(n, List.of(nodes[0].endpoint));
                    sim.markChange();
                });
            }
            sim.steadyWindow(0.1 + spreadS + 20, c.durationS());
        }
    },
    /** One node crashes. */
    CRASH("one node crashes") {
        @Override
        void plan(Simulation sim) {
            crashSome(sim, 1);
        }
    },
    /** 10% of the nodes crash at the same moment. */
    CRASH10("10% of the nodes crash at once") {
        @Override
        void plan(Simulation sim) {
            crashSome(sim, Math.max(1, sim.nodes().length / 10));
        }
    },
    /** The cluster splits into two random halves that cannot reach each other, then heals. */
    PARTITION("the cluster splits in two halves, then heals") {
        @Override
        void plan(Simulation sim) {
            SimConfig c = sim.config();
            formed(sim);
            sim.tracker().healthyNeverDead = false;
            sim.at(c.faultAtS(), "partition", () -> {
                int[] groups = new int[sim.nodes().length];
                List<SimNode> shuffled = shuffled(sim, List.of(sim.nodes()));
                for (int i = 0; i < shuffled.size() / 2; i++) {
                    groups[shuffled.get(i).index] = 1;
                }
                sim.partition(groups);
            });
            sim.at(c.faultAtS() + c.faultForS(), "heal", sim::heal);
        }
    },
    /** 10% of the nodes become slow (see {@link SimNode}): none of them, nor anyone else, may be declared DEAD. */
    SLOW10("10% of the nodes are slowed (GC, CPU starvation)") {
        @Override
        void plan(Simulation sim) {
            SimConfig c = sim.config();
            formed(sim);
            sim.at(c.faultAtS(), "slowdown", () -> {
                for (SimNode n : pick(sim, Math.max(1, sim.nodes().length / 10))) {
                    sim.slow(n, c.slowFactor());
                }
            });
        }
    },
    /** One node is paused (SIGSTOP) for the fault duration, then resumed (SIGCONT). */
    PAUSE("one node is paused, then resumed") {
        @Override
        void plan(Simulation sim) {
            SimConfig c = sim.config();
            formed(sim);
            SimNode[] victim = new SimNode[1];
            sim.at(c.faultAtS(), "pause", () -> {
                victim[0] = pick(sim, 1).get(0);
                sim.pause(victim[0]);
            });
            sim.at(c.faultAtS() + c.faultForS(), "resume", () -> sim.resume(victim[0]));
        }
    },
    /**
     * Nodes join, leave and crash all the time: 90% of the pool starts formed, then from the fault
     * time until three quarters of the run (at most 30 s before its end) about one event per 200
     * nodes per second (at least one), each a restart or first join of a stopped node, a graceful
     * leave or a crash.
     */
    CHURN("nodes join, leave and crash continually") {
        @Override
        void plan(Simulation sim) {
            SimConfig c = sim.config();
            SimNode[] nodes = sim.nodes();
            int initial = Math.max(Simulation.SEEDS, nodes.length * 9 / 10);
            List<SimNode> first = new ArrayList<>();
            for (int i = 0; i < Math.min(initial, nodes.length); i++) {
                first.add(nodes[i]);
            }
            sim.at(0, "formed start", () -> sim.startFormed(first));
            sim.tracker().healthyNeverDead = true;
            sim.steadyWindow(c.faultAtS() / 2, c.faultAtS());
            double ratePerS = Math.max(1.0, nodes.length / 200.0);
            double endS = Math.max(c.faultAtS(), c.durationS() - Math.min(30.0, c.durationS() / 4.0));
            SplittableRandom r = sim.scenarioRandom();
            double t = c.faultAtS();
            while (true) {
                t += -Math.log(1.0 - r.nextDouble()) / ratePerS;
                if (t >= endS) {
                    break;
                }
                sim.at(t, "churn", () -> churnOnce(sim, initial));
            }
        }
    };

    private final String description;

    Scenario(String description) {
        this.description = description;
    }

    /** One line for help texts and reports. */
    public String description() {
        return description;
    }

    /** The name on the command line: the constant in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link #label()}. */
    public static Scenario parse(String name) {
        for (Scenario s : values()) {
            if (s.label().equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "'; one of " + labels());
    }

    /** All labels, comma-separated. */
    public static String labels() {
        StringBuilder b = new StringBuilder();
        for (Scenario s : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(s.label());
        }
        return b.toString();
    }

    /** Schedules the scenario's steps. */
    abstract void plan(Simulation sim);

    /** How long {@link #JOIN} spreads its joins: a quarter of the run, at most 5 s. */
    static double joinSpreadS(SimConfig c) {
        return Math.min(5.0, c.durationS() / 4.0);
    }

    private static void formed(Simulation sim) {
        SimConfig c = sim.config();
        sim.at(0, "formed start", () -> sim.startFormed(List.of(sim.nodes())));
        sim.tracker().healthyNeverDead = true;
        sim.steadyWindow(c.faultAtS() / 2, c.faultAtS());
    }

    private static void crashSome(Simulation sim, int count) {
        formed(sim);
        sim.at(sim.config().faultAtS(), "crash of " + count, () -> {
            for (SimNode n : pick(sim, count)) {
                sim.crash(n);
            }
        });
    }

    /** {@code count} distinct random non-seed nodes that are up, in random order. */
    private static List<SimNode> pick(Simulation sim, int count) {
        List<SimNode> candidates = new ArrayList<>();
        for (SimNode n : sim.nodes()) {
            if (n.index >= Simulation.SEEDS && n.up && !n.leaving) {
                candidates.add(n);
            }
        }
        List<SimNode> s = shuffled(sim, candidates);
        return s.subList(0, Math.min(count, s.size()));
    }

    private static List<SimNode> shuffled(Simulation sim, List<SimNode> in) {
        List<SimNode> out = new ArrayList<>(in);
        SplittableRandom r = sim.scenarioRandom();
        for (int i = out.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            SimNode tmp = out.get(i);
            out.set(i, out.get(j));
            out.set(j, tmp);
        }
        return out;
    }

    private static void churnOnce(Simulation sim, int targetUp) {
        SplittableRandom r = sim.scenarioRandom();
        List<SimNode> down = new ArrayList<>();
        int up = 0;
        for (SimNode n : sim.nodes()) {
            if (!n.up) {
                down.add(n);
            } else {
                up++;
            }
        }
        if (!down.isEmpty() && (up < targetUp || r.nextBoolean())) {
            SimNode n = down.get(r.nextInt(down.size()));
            sim.startJoining(n, sim.seedsFor(n));
            sim.markChange();
            return;
        }
        List<SimNode> victims = pick(sim, 1);
        if (victims.isEmpty()) {
            return;
        }
        if (r.nextBoolean()) {
            sim.leave(victims.get(0));
        } else {
            sim.crash(victims.get(0));
        }
    }
}
