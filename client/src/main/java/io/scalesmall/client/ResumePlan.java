package io.scalesmall.client;

import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.StartPosition;
import java.util.Set;

/**
 * Where each range of a subscription starts on a (re)connection: ranges the reader has a position
 * in resume from their cursor, the others from the subscription's original start.
 *
 * @param from the subscription's original start
 * @param cursor the reader's position when the plan was made
 * @param started the ranges that position is known for
 */
record ResumePlan(From from, Cursor cursor, Set<Integer> started) {
    ResumePlan {
        started = Set.copyOf(started);
    }

    StartPosition startIn(int rangeId) {
        return started.contains(rangeId) ? StartPosition.cursor(cursor.range(rangeId)) : from.startIn(rangeId);
    }
}
