package io.scalesmall.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** What a multi-process test keeps to explain a client that misbehaved: its debug log, its threads. */
final class ClientDiagnostics {
    /** A static reference: JUL forgets the settings of a logger nobody holds. */
    private static final Logger CLIENT_LOG = Logger.getLogger("io.scalesmall.client");

    private ClientDiagnostics() {}

    /** Sends the client library's debug log (routing, resends, placement changes) to {@code file}. */
    static void logTo(Path file) throws IOException {
        for (Handler h : CLIENT_LOG.getHandlers()) {
            CLIENT_LOG.removeHandler(h);
            h.close();
        }
        FileHandler handler = new FileHandler(file.toString());
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(Level.FINE);
        CLIENT_LOG.addHandler(handler);
        CLIENT_LOG.setLevel(Level.FINE);
    }

    /** Every thread of this JVM with its stack. */
    static String threadDump() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            out.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
            for (StackTraceElement e : stack) {
                out.append("    at ").append(e).append('\n');
            }
        });
        return out.toString();
    }
}
