package io.scalesmall.protocol;

/**
 * Constants of wire protocol v1: the version every frame carries and the default limits.
 *
 * <p>Both sides enforce {@link #DEFAULT_MAX_FRAME_BYTES} and {@link #DEFAULT_MAX_MESSAGE_BYTES}
 * unless configured otherwise; the server announces its limits in the HELLO response.
 */
public final class Protocol {
    /** The protocol version carried in every frame. */
    public static final int VERSION = 1;

    /** Default largest frame, length prefix included, that either side accepts. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

    /** Default largest message: the body of one record (key, payload, headers and their lengths). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    /** Default TCP port of the client protocol. */
    public static final int DEFAULT_PORT = 7070;

    private Protocol() {}
}
