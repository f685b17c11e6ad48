package io.scalesmall.protocol;

/**
 * Frame types of protocol v1. Requests are sent by clients; responses echo the request id of the
 * request they answer. {@link #SUBSCRIBE_DATA} frames are pushed by the server and carry the
 * request id of the SUBSCRIBE that started the subscription. {@link #PEER_HELLO}, {@link #REPLICATE},
 * {@link #PROGRESS} and {@link #PULL} travel between nodes only, one way each, on connections a
 * node opened to a peer; they get no response (an ERROR, and the connection closed, for a refused
 * PEER_HELLO).
 */
public enum FrameType {
    HELLO(0x01),
    PUBLISH(0x02),
    FETCH(0x03),
    SUBSCRIBE(0x04),
    UNSUBSCRIBE(0x05),
    METADATA(0x06),
    CREATE_STREAM(0x07),
    MEMBERS(0x08),
    LAG(0x09),
    PEER_HELLO(0x10),
    REPLICATE(0x11),
    PROGRESS(0x12),
    PULL(0x13),
    HELLO_OK(0x81),
    PUBLISH_OK(0x82),
    FETCH_OK(0x83),
    SUBSCRIBE_DATA(0x84),
    UNSUBSCRIBE_OK(0x85),
    METADATA_OK(0x86),
    CREATE_STREAM_OK(0x87),
    MEMBERS_OK(0x88),
    LAG_OK(0x89),
    ERROR(0xFF);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The byte that identifies this type on the wire. */
    public int code() {
        return code;
    }

    /** The type for a wire code, or null when the code is unknown. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
