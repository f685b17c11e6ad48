package io.scalesmall.server.admin;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log levels set at run time through the admin API ({@code PUT /admin/log-level}), on the
 * {@code java.util.logging} loggers the node writes to. A level finer than what the root
 * handlers pass lowers them too, so the records show; other loggers keep their own levels.
 *
 * <p>Thread-safe.
 */
final class LogLevels {
    /** Loggers given a level here, held so that the level outlives a collected logger. */
    private static final Map<String, Logger> CONFIGURED = new ConcurrentHashMap<>();

    private static final Map<String, Level> ALIASES = Map.of(
            "ERROR", Level.SEVERE,
            "WARN", Level.WARNING,
            "DEBUG", Level.FINE,
            "TRACE", Level.FINEST);

    private LogLevels() {}

    /**
     * Sets the level of {@code name} ("" or "root" for the root logger).
     *
     * @param level a {@code java.util.logging} level name, or ERROR, WARN, DEBUG, TRACE
     * @throws IllegalArgumentException naming what is wrong
     */
    static Map<String, Object> set(String name, String level) {
        if (level == null || level.isBlank()) {
            throw new IllegalArgumentException("give a level: level=ERROR|WARN|INFO|DEBUG|TRACE (or a java.util.logging"
                    + " level: SEVERE, WARNING, INFO, CONFIG, FINE, FINER, FINEST, ALL, OFF)");
        }
        Level parsed = parse(level);
        String loggerName = name.equals("root") ? "" : name;
        Logger logger = Logger.getLogger(loggerName);
        logger.setLevel(parsed);
        CONFIGURED.put(loggerName, logger);
        for (Handler h : Logger.getLogger("").getHandlers()) {
            if (h.getLevel().intValue() > parsed.intValue()) {
                h.setLevel(parsed);
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("logger", loggerName.isEmpty() ? "root" : loggerName);
        o.put("level", parsed.getName());
        return o;
    }

    private static Level parse(String level) {
        String upper = level.trim().toUpperCase(Locale.ROOT);
        Level alias = ALIASES.get(upper);
        if (alias != null) {
            return alias;
        }
        try {
            return Level.parse(upper);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown log level '" + level
                    + "': use ERROR, WARN, INFO, DEBUG, TRACE or a java.util.logging level");
        }
    }

    /** The root level and every level set here, by logger name. */
    static Map<String, Object> describe() {
        Map<String, String> levels = new TreeMap<>();
        levels.put("root", String.valueOf(Logger.getLogger("").getLevel()));
        CONFIGURED.forEach((name, logger) -> {
            if (!name.isEmpty() && logger.getLevel() != null) {
                levels.put(name, logger.getLevel().getName());
            }
        });
        return Map.of("levels", levels);
    }
}
