package io.scalesmall.protocol;

/**
 * Error codes of the wire protocol. The numeric code of each constant is stable and part of the
 * protocol: never renumber, only add.
 *
 * <p>A retriable error means the same request may succeed later without change (the node was
 * busy, the disk was full, a replica was missing); a non-retriable one means the request itself is
 * wrong and must be fixed by the caller.
 */
public enum ErrorCode {
    /**
     * A frame could not be parsed. When the framing itself is broken (a length too small for a
     * header) the server closes the connection after sending it; a body that does not parse leaves
     * the connection usable.
     */
    MALFORMED_FRAME(1, false, "malformed frame"),
    /** The frame carries a protocol version this peer does not speak. */
    UNSUPPORTED_VERSION(2, false, "unsupported protocol version"),
    /** The frame is larger than the receiver's maximum frame size. */
    FRAME_TOO_LARGE(3, false, "frame too large"),
    /** A message in the batch is larger than the maximum message size. */
    MESSAGE_TOO_LARGE(4, false, "message too large"),
    /** The stream name is empty, too long or contains characters outside [A-Za-z0-9._-]. */
    INVALID_STREAM_NAME(5, false, "invalid stream name"),
    /** The stream does not exist (reads never create streams). */
    UNKNOWN_STREAM(6, false, "unknown stream"),
    /** The durability policy cannot be parsed or has no copies. */
    INVALID_POLICY(7, false, "invalid durability policy"),
    /** The durability policy asks for more copies than the cluster can hold. */
    POLICY_NOT_SATISFIABLE(8, false, "durability policy not satisfiable"),
    /** A publish with no messages. */
    EMPTY_BATCH(9, false, "empty batch"),
    /** The batch's records do not parse or do not match its header. */
    INVALID_BATCH(10, false, "invalid batch"),
    /**
     * The batch's first sequence is not the next one expected from its producer in this range: an
     * earlier batch is missing. Resend the batches in order from the first unacknowledged one.
     */
    OUT_OF_ORDER_SEQUENCE(11, true, "out of order sequence"),
    /** The data volume is full; nothing of this batch was acknowledged. Retry when space returns. */
    STORAGE_FULL(12, true, "storage full"),
    /** The node could not write to its disk. */
    STORAGE_ERROR(13, true, "storage error"),
    /** Too few live replicas to meet the durability policy; what was stored stays stored. */
    NOT_ENOUGH_REPLICAS(14, true, "not enough replicas"),
    /** The request did not complete within its deadline. */
    TIMEOUT(15, true, "timeout"),
    /** The cursor cannot be decoded or does not belong to this stream and range. */
    INVALID_CURSOR(16, false, "invalid cursor"),
    /** The frame type is not known to this node. */
    UNKNOWN_REQUEST_TYPE(17, false, "unknown request type"),
    /** A request other than HELLO arrived before HELLO. */
    HELLO_REQUIRED(18, false, "hello required"),
    /** The node is overloaded; retry after a short backoff. */
    BUSY(19, true, "busy"),
    /** The node is shutting down; retry against another node or after restart. */
    SHUTTING_DOWN(20, true, "shutting down"),
    /** The stream already exists with different options. */
    STREAM_EXISTS(21, false, "stream exists with other options"),
    /** A field of the request has a value outside its allowed range. */
    INVALID_REQUEST(22, false, "invalid request"),
    /** The sequence range overlaps a stored batch without matching it: a client bug. */
    INVALID_SEQUENCE(23, false, "invalid sequence"),
    /** The range is not served by this node. */
    UNKNOWN_RANGE(24, false, "unknown range"),
    /**
     * This node is not (or not yet) a replica of the range: refresh the metadata and send to one
     * of the range's replicas.
     */
    NOT_A_REPLICA(25, true, "not a replica"),
    /**
     * The range takes no new writes: a placement change replaced it. Nothing of the batch was
     * stored; refresh the metadata and publish to the key's current range.
     */
    RANGE_SEALED(26, true, "range sealed"),
    /** The node requires a credential and HELLO carried none, or one it does not know. */
    UNAUTHENTICATED(27, false, "unauthenticated"),
    /** The session's principal may not do this on this stream. */
    NOT_AUTHORIZED(28, false, "not authorized"),
    /** A code this side does not know (sent by a newer peer); treated as not retriable. */
    UNKNOWN_ERROR(98, false, "unknown error"),
    /** An unexpected failure inside the node. */
    INTERNAL_ERROR(99, true, "internal error");

    private static final ErrorCode[] BY_CODE = new ErrorCode[100];

    static {
        for (ErrorCode e : values()) {
            BY_CODE[e.code] = e;
        }
    }

    private final int code;
    private final boolean retriable;
    private final String description;

    ErrorCode(int code, boolean retriable, String description) {
        this.code = code;
        this.retriable = retriable;
        this.description = description;
    }

    /** The stable numeric code sent on the wire. */
    public int code() {
        return code;
    }

    /** Whether the same request may succeed if sent again later. */
    public boolean retriable() {
        return retriable;
    }

    /** A short human-readable meaning. */
    public String description() {
        return description;
    }

    /** The constant for a wire code, or {@link #UNKNOWN_ERROR} for a code this side does not know. */
    public static ErrorCode fromCode(int code) {
        ErrorCode e = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return e == null ? UNKNOWN_ERROR : e;
    }
}
