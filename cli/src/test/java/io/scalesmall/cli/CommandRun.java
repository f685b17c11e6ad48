package io.scalesmall.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Runs a command line in this JVM, as a user would in a shell, for tests. */
final class CommandRun {
    private CommandRun() {}

    /**
     * Runs {@code args} with {@code stdin} as standard input.
     *
     * @param withErrors whether the output also holds what the command wrote to standard error
     * @return [exit code, output]
     */
    static Object[] run(String stdin, boolean withErrors, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrintStream captured = new PrintStream(out, true, StandardCharsets.UTF_8);
            System.setOut(captured);
            if (withErrors) {
                System.setErr(captured);
            }
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            picocli.CommandLine commandLine = Main.commandLine();
            if (withErrors) {
                commandLine.setErr(new PrintWriter(captured, true));
            }
            int code = commandLine.execute(args);
            System.out.flush();
            return new Object[] {code, out.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }
}
