package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;

/**
 * One node's independent report that a member failed its probes at an incarnation. Not part of
 * the merged state: accusations travel in broadcasts so that every node holding the suspicion can
 * count independent confirmations and shorten its suspicion timeout (Lifeguard, "local health
 * aware suspicion").
 *
 * @param accuser the node whose probes failed
 * @param suspect the member it suspects
 * @param incarnation the suspect's incarnation the accuser saw
 */
public record Accusation(NodeId accuser, NodeId suspect, long incarnation) {}
