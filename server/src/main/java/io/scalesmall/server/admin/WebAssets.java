package io.scalesmall.server.admin;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The dashboard's static files, packed in the jar under {@code io/scalesmall/server/admin/web/}
 * and read once: {@code /} (the page), its script and its style sheet. No build step: plain HTML,
 * CSS and JavaScript drawing SVG.
 */
final class WebAssets {
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/dashboard.js", "dashboard.js",
            "/dashboard.css", "dashboard.css");
    private static final Map<String, byte[]> CONTENTS = load();

    private WebAssets() {}

    /** Whether {@code path} names a dashboard file. */
    static boolean serves(String path) {
        return FILES.containsKey(path);
    }

    /** Writes the file {@code path} names. */
    static void write(String path, ByteBuf out) {
        out.writeBytes(CONTENTS.get(FILES.get(path)));
    }

    /** The content type of the file {@code path} names. */
    static String contentType(String path) {
        String file = FILES.get(path);
        if (file.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return file.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    }

    private static Map<String, byte[]> load() {
        Map<String, byte[]> out = new java.util.HashMap<>();
        for (String file : FILES.values()) {
            try (InputStream in = WebAssets.class.getResourceAsStream("web/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard file " + file + " is missing from the jar");
                }
                out.put(file, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(out);
    }
}
