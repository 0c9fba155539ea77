package strata.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `strata` command. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "A compiler for neural-network architectures.",
        subcommands = {CheckCommand.class, CompileCommand.class, RunCommand.class, MasksCommand.class, TrainCommand.class, GenerateCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; a bug of ours is reported in one line (the trace with STRATA_DEBUG=1). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            System.err.println("strata: internal error: " + ex);
            if (System.getenv("STRATA_DEBUG") != null) ex.printStackTrace();
            else System.err.println("(run with STRATA_DEBUG=1 for the stack trace, and please report it)");
            return 2;
        });
        return cl.execute(args);
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }
}
