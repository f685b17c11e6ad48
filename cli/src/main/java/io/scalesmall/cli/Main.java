package io.scalesmall.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code scalesmall} command: dispatches to the subcommands. */
@Command(
        name = "scalesmall",
        mixinStandardHelpOptions = true,
        version = "scalesmall 0.1.0",
        description = "A distributed server for huge volumes of small messages.",
        subcommands = {
            NodeCommand.class,
            DevCommand.class,
            PublishCommand.class,
            ConsumeCommand.class,
            MembersCommand.class,
            StreamsCommand.class,
            LagCommand.class,
            HealthCommand.class,
            LeaveCommand.class,
            TokenCommand.class,
            BenchCommand.class,
            SimCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl;
    }
}
