package io.tunestream.cli;

import io.tunestream.schemas.ExperimentField;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The experiment's options of {@code tunestream train}, one per {@link ExperimentField} that has one, with the
 * field's help and default: the options are not written out here, so a field added to the definition is an option,
 * in the help, with no other edit.
 */
public final class ExperimentOptions implements CommandLine.IModelTransformer {

    @Override
    public CommandSpec transform(CommandSpec spec) {
        for (ExperimentField field : ExperimentField.values()) {
            field.option().ifPresent(name -> spec.addOption(option(field, name)));
        }
        return spec;
    }

    private static OptionSpec option(ExperimentField field, String name) {
        String help = field.help() + (field.defaultText() == null ? "" : " (default: " + field.defaultText() + ")");
        OptionSpec.Builder builder = OptionSpec.builder(name).description(help).paramLabel(label(field));
        return switch (field.type()) {
            case TEXT, METHOD -> builder.type(String.class).build();
            case TEXT_LIST -> builder.type(List.class).auxiliaryTypes(String.class).splitRegex(",").build();
            case INT -> builder.type(Integer.class).build();
            case LONG -> builder.type(Long.class).build();
            case NUMBER -> builder.type(Double.class).build();
        };
    }

    private static String label(ExperimentField field) {
        return switch (field.type()) {
            case TEXT, METHOD -> "TEXT";
            case TEXT_LIST -> "NAMES";
            case INT, LONG -> "N";
            case NUMBER -> "X";
        };
    }

    /**
     * The values given on the command line, by field name, each checked and converted by its field (method ids as
     * their names, as experiment files write them).
     */
    static Map<String, Object> given(CommandSpec spec) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ExperimentField field : ExperimentField.values()) {
            if (field.option().isEmpty()) {
                continue;
            }
            Object raw = spec.findOption(field.option().get()).getValue();
            if (raw == null || (raw instanceof List<?> list && list.isEmpty())) {
                continue;
            }
            Object value = field.normalise(raw, "");
            values.put(field.fieldName(), value instanceof Enum<?> id ? id.name() : value);
        }
        return values;
    }
}
