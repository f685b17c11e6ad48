/**
 * The client protocol: the Netty listener, framing, request validation and the per-connection
 * session (publish hand-off to the data agent, reads served from range logs and the in-memory
 * tail, metadata). Decodes and encodes bytes and hands work off; owns no range state.
 *
 * <p>May depend on {@code replication}, {@code storage} and {@code placement}; nothing depends on it.
 */
package io.scalesmall.server.api;
