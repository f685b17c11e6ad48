/**
 * The admin HTTP endpoint: health and Prometheus metrics. Reads node state; changes nothing.
 *
 * <p>May depend on every other server package; nothing depends on it but the node's wiring.
 */
package io.scalesmall.server.admin;
