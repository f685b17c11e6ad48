package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * MEMBERS body: asks the node for the cluster's member table as it sees it. Answered by
 * MEMBERS_OK ({@link MembersResponse}).
 *
 * <pre>
 * (empty)
 * </pre>
 *
 * <p>The body is empty in v1; a reader ignores bytes a newer client may add after it.
 */
public record MembersRequest() {
    /** The one request there is. */
    public static final MembersRequest INSTANCE = new MembersRequest();

    public void write(ByteBuf out) {
        // nothing: the request has no fields
    }

    public static MembersRequest read(ByteBuf in) {
        return INSTANCE;
    }
}
