/**
 * The Netty transport of the cluster plane: codec, HMAC, UDP and TCP. It turns bytes into {@link
 * io.scalesmall.server.cluster.ClusterMessage}s and back, authenticates them under the cluster key,
 * and hands them to the sans-IO protocol on its thread.
 *
 * <p>The protocol classes of {@code io.scalesmall.server.cluster} use only {@link
 * io.scalesmall.server.cluster.net.ClusterCodec#encodedSize} from here (to cut broadcasts to a
 * datagram); everything else in this package is transport, and they must not depend on it.
 */
package io.scalesmall.server.cluster.net;
