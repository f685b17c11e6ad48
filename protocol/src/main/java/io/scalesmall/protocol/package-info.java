/**
 * Wire protocol v1 shared by the client and the node: frame header and types, one class per
 * frame body, the batch and record layouts, LZ4 compression of batches, error codes, durability
 * policies and cursors. Documented for users in docs/PROTOCOL.md.
 *
 * <p>Depends only on Netty's buffers and LZ4; knows nothing of sockets, threads or storage.
 */
package io.scalesmall.protocol;
