package io.tunestream.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tunestream} command: one entry point for every subcommand. */
@Command(
        name = "tunestream",
        mixinStandardHelpOptions = true,
        version = "tunestream 0.1.0",
        description = "Parameter-efficient fine-tuning experiments for BERT-family encoders.")
public final class Tunestream {

    /** Every subcommand, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
            MethodsCommand.class, TrainCommand.class, EvalCommand.class, ExportCommand.class, ReportCommand.class,
            DataCommand.class, BenchCommand.class, BrokerCommand.class, WorkerCommand.class, WorkerBenchCommand.class,
            SubmitCommand.class, StatusCommand.class, ResultsCommand.class, CancelCommand.class, RerunCommand.class,
            WatchCommand.class, LogsCommand.class, CoordinatorCommand.class, CoordinatorBenchCommand.class, DemoCommand.class,
            HealthCommand.class);

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command line, every subcommand in it: for help and for tests. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: when they start with a subcommand's name, that subcommand alone. Picocli
     * builds the model of every subcommand it is given, and building all of them (train's generated options, the
     * experiment's definitions, the JSON mappers) took about a quarter of a second of every start, `status` and
     * `methods` included (docs/operations.md, Start-up).
     */
    static CommandLine commandLine(String[] args) {
        CommandLine line = new CommandLine(new Tunestream());
        String first = args.length > 0 ? args[0] : "";
        List<Class<?>> chosen = COMMANDS.stream().filter(c -> name(c).equals(first)).toList();
        for (Class<?> command : chosen.isEmpty() ? COMMANDS : chosen) {
            // a CommandLine of its own: picocli applies a command's model transformer (train's generated options)
            // when the command line is made for it, not when a class is added as a subcommand
            line.addSubcommand(name(command), new CommandLine(command));
        }
        if (chosen.isEmpty()) {
            line.addSubcommand("help", CommandLine.HelpCommand.class);
        }
        return line.setExecutionExceptionHandler(new ErrorHandler()).setParameterExceptionHandler(Tunestream::usageError);
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(Command.class).name();
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
