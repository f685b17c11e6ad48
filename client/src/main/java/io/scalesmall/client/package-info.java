/**
 * The Java client of ScaleSmall: publishing with batching, linger, bounded in-flight bytes and
 * idempotent retries; subscriptions with cursors and automatic resubscription; polling fetches;
 * metadata and stream creation.
 *
 * <p>The public types are {@link io.scalesmall.client.ScaleSmallClient} and the values it takes
 * and returns; everything else in this package is package-private machinery. It depends on the
 * {@code protocol} module for every wire format and on Netty for I/O, and on nothing of the
 * server.
 */
package io.scalesmall.client;
