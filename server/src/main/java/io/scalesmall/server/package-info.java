/**
 * The node's wiring: its configuration and the {@link io.scalesmall.server.Node} that starts and
 * stops its components in order.
 */
package io.scalesmall.server;
