package io.scalesmall.client;

import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ProtocolException;

/**
 * A failure reported by the client or by the server, with the protocol {@link ErrorCode} that
 * classifies it. Publish futures, fetch futures and subscription error callbacks carry this type
 * (or a subclass).
 *
 * <p>Immutable; thread-safe.
 */
public class ScaleSmallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    private final ErrorCode code;

    /** The explanation without the code. */
    private final String detail;

    /**
     * Creates an exception for {@code code} with a detail message.
     *
     * @param code what went wrong
     * @param detail the explanation, usually the server's message
     */
    public ScaleSmallException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    /**
     * Creates an exception for {@code code} with a detail message and a cause.
     *
     * @param code what went wrong
     * @param detail the explanation, usually the server's message
     * @param cause the underlying failure, or null
     */
    public ScaleSmallException(ErrorCode code, String detail, Throwable cause) {
        super(code.name() + ": " + detail, cause);
        this.code = code;
        this.detail = detail;
    }

    /**
     * The protocol error code of this failure.
     *
     * @return the code, never null
     */
    public ErrorCode code() {
        return code;
    }

    /**
     * The explanation without the code prefix: for a server error, the server's message.
     *
     * @return the detail message
     */
    public String detail() {
        return detail;
    }

    /**
     * Whether the same operation may succeed if attempted again later, as {@link
     * ErrorCode#retriable()} defines it.
     *
     * @return true when retriable
     */
    public boolean retriable() {
        return code.retriable();
    }

    static ScaleSmallException of(ProtocolException e) {
        return new ScaleSmallException(e.code(), e.getMessage(), e);
    }
}
