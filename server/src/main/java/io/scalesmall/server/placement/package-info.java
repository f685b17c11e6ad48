/**
 * Which streams and ranges exist and where they live. Today: the stream catalog with one range
 * per stream on this node; placement across nodes (claims, replicas, history) arrives with
 * clustering.
 *
 * <p>Must not depend on {@code api}.
 */
package io.scalesmall.server.placement;
