package io.scalesmall.server.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tells which of the ranges a node holds should split: those that grew <i>big</i> (more bytes
 * stored than {@link SplitConfig#bytes()}) or run <i>hot</i> (more bytes appended per second than
 * {@link SplitConfig#rateBytes()}, over a whole {@link SplitConfig#windowMs()} window). A split
 * sends the range's new writes to two ranges of half the keys each, which placement can put on
 * other nodes, so load follows the data rather than the hash. Fed with the node's own
 * measurements; no clock inside (sans-IO).
 *
 * <p>Not thread-safe: one caller (the node's timer).
 */
public final class SplitMonitor {
    /**
     * What a node measured of one range it holds.
     *
     * @param stream the stream
     * @param rangeId the range
     * @param storedBytes bytes of the range on disk now
     * @param appendedBytes bytes appended to the range since the node started (never decreases)
     */
    public record Load(String stream, int rangeId, long storedBytes, long appendedBytes) {}

    private record Window(long startMs, long startBytes, boolean hot) {}

    private final SplitConfig config;
    private final Map<String, Window> windows = new HashMap<>();

    public SplitMonitor(SplitConfig config) {
        this.config = config;
    }

    /**
     * Takes this moment's measurements of every range the node holds.
     *
     * @return the ranges that should split now, hot or big
     */
    public List<Load> review(long nowMs, Collection<Load> loads) {
        List<Load> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Load load : loads) {
            String key = load.stream() + "/" + load.rangeId();
            seen.add(key);
            Window w = windows.get(key);
            if (w == null || load.appendedBytes() < w.startBytes()) {
                w = new Window(nowMs, load.appendedBytes(), false);
            } else if (nowMs - w.startMs() >= config.windowMs()) {
                double perSecond = (load.appendedBytes() - w.startBytes()) * 1000.0 / (nowMs - w.startMs());
                w = new Window(nowMs, load.appendedBytes(), perSecond >= config.rateBytes());
            }
            windows.put(key, w);
            if (w.hot() || load.storedBytes() >= config.bytes()) {
                out.add(load);
            }
        }
        windows.keySet().retainAll(seen);
        return out;
    }
}
