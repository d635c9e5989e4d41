package io.tunestream.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tunestream} command: one entry point for every subcommand. */
@Command(
        name = "tunestream",
        mixinStandardHelpOptions = true,
        version = "tunestream 0.1.0",
        description = "Parameter-efficient fine-tuning experiments for BERT-family encoders.",
        subcommands = {
            MethodsCommand.class, TrainCommand.class, EvalCommand.class, ExportCommand.class, ReportCommand.class,
            DataCommand.class, BenchCommand.class, BrokerCommand.class, WorkerCommand.class, WorkerBenchCommand.class, SubmitCommand.class, StatusCommand.class, ResultsCommand.class, CancelCommand.class, RerunCommand.class, WatchCommand.class, CoordinatorCommand.class, DemoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Tunestream {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for tests that run subcommands in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new Tunestream()).setExecutionExceptionHandler(new ErrorHandler())
                .setParameterExceptionHandler(Tunestream::usageError);
    }

    /**
     * A mistyped command line: the reason, picocli's suggestions for a misspelt option, and where the options are
     * listed, rather than the whole help under the message, which hides it.
     */
    private static int usageError(CommandLine.ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + error.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(error, err);
        err.println("'" + command.getCommandSpec().qualifiedName(" ") + " --help' lists its options");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
