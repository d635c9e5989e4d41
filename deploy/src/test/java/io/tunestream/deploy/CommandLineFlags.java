package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tunestream.cli.Tunestream;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The flags a deployment file passes to a {@code tunestream} subcommand, checked against that subcommand's picocli
 * definition: a renamed or removed option, a new required one, or a value of the wrong type fails the check.
 */
final class CommandLineFlags {

    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)");

    private CommandLineFlags() {}

    static CommandSpec command(String name) {
        CommandLine sub = Tunestream.commandLine().getSubcommands().get(name);
        assertNotNull(sub, "tunestream has no subcommand " + name);
        return sub.getCommandSpec();
    }

    /**
     * Checks {@code args} (the container's arguments after the image's {@code tunestream COMMAND} entry point) and
     * returns each option's value by its name.
     *
     * @param placeholders values standing in for references the orchestrator expands ($(VAR), ${VAR}), so that
     *     picocli can convert every value
     */
    static Map<String, String> parse(String commandName, List<String> args, Map<String, String> placeholders) {
        CommandSpec spec = command(commandName);
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            OptionSpec option = spec.findOption(flag);
            if (option == null) {
                fail("`tunestream " + commandName + "` has no option " + flag + "; its options: " + spec.options().stream().map(OptionSpec::longestName).toList());
            }
            if (option.arity().max() == 0) {
                values.put(option.longestName(), "true");
                continue;
            }
            assertTrue(i + 1 < args.size(), flag + " needs a value");
            values.put(option.longestName(), args.get(++i));
        }
        for (OptionSpec option : spec.options().stream().filter(OptionSpec::required).toList()) {
            assertTrue(values.containsKey(option.longestName()), "`tunestream " + commandName + "` requires " + option.longestName() + ", not given in " + args);
        }
        // Let picocli itself convert every value: an unparsable port or path fails here.
        String[] expanded = args.stream().map(arg -> expand(arg, placeholders)).toArray(String[]::new);
        new CommandLine(freshInstance(spec)).parseArgs(expanded);
        return values;
    }

    private static String expand(String arg, Map<String, String> placeholders) {
        String result = arg;
        for (Map.Entry<String, String> entry : placeholders.entrySet()) {
            result = result.replace(entry.getKey(), entry.getValue());
        }
        return result;
    }

    private static Object freshInstance(CommandSpec spec) {
        try {
            var constructor = spec.userObject().getClass().getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot create " + spec.userObject().getClass() + ": " + e, e);
        }
    }

    /**
     * The environment variable an option falls back to, from the {@code ${env:NAME...}} default written in its
     * annotation (picocli's own spec holds the default already resolved).
     */
    static String environmentVariableOf(String commandName, String optionName) {
        CommandSpec spec = command(commandName);
        List<Class<?>> classes = new ArrayList<>();
        classes.add(spec.userObject().getClass());
        spec.mixins().values().forEach(mixin -> classes.add(mixin.userObject().getClass()));
        for (Class<?> type : classes) {
            for (Field field : type.getDeclaredFields()) {
                Option option = field.getAnnotation(Option.class);
                if (option != null && Arrays.asList(option.names()).contains(optionName)) {
                    Matcher matcher = ENV_DEFAULT.matcher(option.defaultValue());
                    assertTrue(matcher.find(), optionName + " of " + commandName + " reads no environment variable: default " + option.defaultValue());
                    return matcher.group(1);
                }
            }
        }
        throw new AssertionError(commandName + " has no option " + optionName);
    }

    static String defaultValue(String commandName, String optionName) {
        OptionSpec option = command(commandName).findOption(optionName);
        assertNotNull(option, commandName + " has no option " + optionName);
        return option.defaultValue();
    }

    /** How long a worker takes at most to hand its run back after SIGTERM ({@code WorkerCommand.SHUTDOWN_GRACE}). */
    static Duration workerShutdownGrace() {
        try {
            Field field = command("worker").userObject().getClass().getDeclaredField("SHUTDOWN_GRACE");
            field.setAccessible(true);
            return (Duration) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("WorkerCommand.SHUTDOWN_GRACE is gone: " + e, e);
        }
    }
}
