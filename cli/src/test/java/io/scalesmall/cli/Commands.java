package io.scalesmall.cli;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Runs system commands (ip, kill) for the multi-process tests. */
final class Commands {
    private Commands() {}

    /** Runs {@code command}; true when it exits 0 within 30 s (else prints its output). */
    static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println(String.join(" ", command) + ": " + out);
            return false;
        }
        return true;
    }
}
