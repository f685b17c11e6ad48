package io.scalesmall.server.storage;

import java.io.IOException;

/**
 * An append failed because the file system has no space left (ENOSPC, or a disk quota). The log is
 * left exactly as before the append; a later append may succeed once space is freed (for example
 * by retention). Callers typically answer the producer with a retriable error.
 */
public final class StorageFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public StorageFullException(String message, IOException cause) {
        super(message, cause);
    }

    /**
     * {@code e} wrapped in a {@link StorageFullException} when it (or a cause) says the device is
     * full, else {@code e} itself.
     */
    static IOException classify(IOException e) {
        if (e instanceof StorageFullException) {
            return e;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null
                    && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return new StorageFullException("storage full: " + message, e);
            }
        }
        return e;
    }
}
