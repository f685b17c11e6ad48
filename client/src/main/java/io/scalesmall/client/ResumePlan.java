package io.scalesmall.client;

import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.StartPosition;
import java.util.Set;

/**
 * Where each range of a subscription starts on a (re)connection: ranges the reader has a position
 * in resume from their cursor; ranges that follow, in their key slice, a range the reader read to
 * its end start at their beginning; the others from the subscription's original start.
 *
 * @param from the subscription's original start
 * @param cursor the reader's position when the plan was made
 * @param started the ranges that position is known for
 * @param successors ranges the reader reached after their predecessor ended
 */
record ResumePlan(From from, Cursor cursor, Set<Integer> started, Set<Integer> successors) {
    ResumePlan {
        started = Set.copyOf(started);
        successors = Set.copyOf(successors);
    }

    ResumePlan(From from, Cursor cursor, Set<Integer> started) {
        this(from, cursor, started, Set.of());
    }

    /** The same plan, with more successors. */
    ResumePlan withSuccessors(Set<Integer> more) {
        Set<Integer> all = new java.util.HashSet<>(successors);
        all.addAll(more);
        return new ResumePlan(from, cursor, started, all);
    }

    StartPosition startIn(int rangeId) {
        if (started.contains(rangeId)) {
            return StartPosition.cursor(cursor.range(rangeId));
        }
        return successors.contains(rangeId) ? StartPosition.beginning() : from.startIn(rangeId);
    }
}
