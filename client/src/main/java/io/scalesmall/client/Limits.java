package io.scalesmall.client;

/**
 * The limits publishing obeys: the smaller of the client's and (once known from HELLO) the
 * server's.
 *
 * @param maxFrameBytes largest frame to send, length prefix included
 * @param maxMessageBytes largest message record body
 */
record Limits(int maxFrameBytes, int maxMessageBytes) {}
