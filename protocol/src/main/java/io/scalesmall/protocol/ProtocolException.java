package io.scalesmall.protocol;

/** A request or frame that violates the protocol, carrying the error code to answer it with. */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** The error code a peer should receive for this problem. */
    public ErrorCode code() {
        return code;
    }
}
