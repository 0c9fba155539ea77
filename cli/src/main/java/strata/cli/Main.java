package strata.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `strata` command. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "A compiler for neural-network architectures.",
        subcommands = {CheckCommand.class, CompileCommand.class, RunCommand.class, MasksCommand.class, TrainCommand.class, GenerateCommand.class, ImportCommand.class, ExportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; a bug of ours is reported in one line (the trace with STRATA_DEBUG=1). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // a mistake in what was asked for (a bad option value, a missing or malformed file):
            // its message is written for the user, and there is no bug to report
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException) {
                String what = ex instanceof java.nio.file.NoSuchFileException n
                        ? n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file") : ex.getMessage();
                System.err.println("strata " + line.getCommandName() + ": error: " + what);
                return 1;
            }
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
