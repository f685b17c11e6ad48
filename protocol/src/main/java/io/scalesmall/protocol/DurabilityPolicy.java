package io.scalesmall.protocol;

import java.util.Locale;

/**
 * How many copies of a batch must exist before its publish is acknowledged: {@code memoryCopies}
 * replicas holding it in memory and {@code diskCopies} replicas having fsynced it. A session
 * chooses one at HELLO; a batch may override it.
 *
 * <p>Written as {@code memory=N}, {@code disk=M} or {@code memory=N,disk=M}. An fsynced copy is
 * also an in-memory copy, so {@code disk=1} implies {@code memory=1}.
 *
 * <p>What each level can lose once acknowledged:
 *
 * <ul>
 *   <li>{@code memory=1}: the batch has been accepted by one node and written to that node's
 *       operating system (page cache), but not fsynced. Survives the server process being killed
 *       (kill -9); lost if that machine loses power or its kernel crashes before the next fsync
 *       (normally within milliseconds), or if its disk fails.
 *   <li>{@code memory=N} (N &gt; 1): as above, on N nodes; lost only if all N machines crash or lose
 *       power before their fsync.
 *   <li>{@code disk=1}: fsynced on one node. Survives process crashes, kernel crashes and power
 *       loss; lost only if that node's disk is lost.
 *   <li>{@code disk=M}: fsynced on M nodes; lost only if M disks are lost.
 * </ul>
 *
 * <p>Immutable; thread-safe.
 *
 * @param memoryCopies replicas that must hold the batch in memory (at least {@code diskCopies})
 * @param diskCopies replicas that must have fsynced the batch
 */
public record DurabilityPolicy(int memoryCopies, int diskCopies) {
    /** The most copies a policy may ask for. */
    public static final int MAX_COPIES = 16;

    /** {@code memory=1}. */
    public static final DurabilityPolicy MEMORY_1 = new DurabilityPolicy(1, 0);

    /** {@code disk=1}. */
    public static final DurabilityPolicy DISK_1 = new DurabilityPolicy(1, 1);

    public DurabilityPolicy {
        if (diskCopies < 0 || diskCopies > MAX_COPIES || memoryCopies < 0 || memoryCopies > MAX_COPIES) {
            throw new ProtocolException(
                    ErrorCode.INVALID_POLICY,
                    "copies must be between 0 and " + MAX_COPIES + " in " + spec(memoryCopies, diskCopies));
        }
        memoryCopies = Math.max(memoryCopies, diskCopies);
        if (memoryCopies == 0) {
            throw new ProtocolException(ErrorCode.INVALID_POLICY, "a durability policy needs at least one copy");
        }
    }

    /** The number of distinct replicas this policy needs. */
    public int replicasNeeded() {
        return memoryCopies;
    }

    /** Whether {@code memoryAcks} in-memory and {@code diskAcks} on-disk copies satisfy this policy. */
    public boolean isMetBy(int memoryAcks, int diskAcks) {
        return memoryAcks >= memoryCopies && diskAcks >= diskCopies;
    }

    /**
     * Parses {@code memory=N}, {@code disk=M} or both separated by a comma.
     *
     * @throws ProtocolException with {@link ErrorCode#INVALID_POLICY} when the text is not a policy
     */
    public static DurabilityPolicy parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ProtocolException(ErrorCode.INVALID_POLICY, "empty durability policy");
        }
        int memory = -1;
        int disk = -1;
        for (String part : spec.split(",", -1)) {
            String[] kv = part.trim().split("=", -1);
            if (kv.length != 2) {
                throw invalid(spec);
            }
            int value;
            try {
                value = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw invalid(spec);
            }
            if (value < 0) {
                throw invalid(spec);
            }
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "memory" -> {
                    if (memory >= 0) {
                        throw invalid(spec);
                    }
                    memory = value;
                }
                case "disk" -> {
                    if (disk >= 0) {
                        throw invalid(spec);
                    }
                    disk = value;
                }
                default -> throw invalid(spec);
            }
        }
        return new DurabilityPolicy(Math.max(memory, 0), Math.max(disk, 0));
    }

    private static ProtocolException invalid(String spec) {
        return new ProtocolException(
                ErrorCode.INVALID_POLICY,
                "invalid durability policy '" + spec + "': expected memory=N, disk=M or memory=N,disk=M");
    }

    private static String spec(int memory, int disk) {
        if (disk == 0) {
            return "memory=" + memory;
        }
        return memory > disk ? "memory=" + memory + ",disk=" + disk : "disk=" + disk;
    }

    /** The policy in the form {@link #parse} accepts. */
    @Override
    public String toString() {
        return spec(memoryCopies, diskCopies);
    }
}
