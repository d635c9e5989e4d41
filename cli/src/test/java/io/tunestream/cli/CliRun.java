package io.tunestream.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** One in-process run of the command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        CommandLine command = Tunestream.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int code = command.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * The arguments of {@code command} with option-value pairs: {@code defaults}, then {@code overrides}, which
     * replace a default of the same option or add to them.
     */
    static List<String> arguments(String command, String[] defaults, String... overrides) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String[] pairs : List.of(defaults, overrides)) {
            for (int i = 0; i < pairs.length; i += 2) {
                options.put(pairs[i], pairs[i + 1]);
            }
        }
        List<String> args = new ArrayList<>(List.of(command));
        options.forEach((option, value) -> {
            args.add(option);
            args.add(value);
        });
        return args;
    }
}
