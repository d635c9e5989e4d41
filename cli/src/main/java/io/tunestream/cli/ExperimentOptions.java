package io.tunestream.cli;

import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.InvalidFieldException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

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
            // numbers are read by their field, as typed, so that a refusal quotes what the user wrote
            case INT, LONG, NUMBER -> builder.type(String.class).build();
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
     * A field's refusal in terms of what the user typed, when the value came from an option: checks that need the
     * method or the model ({@code tailMode} for lora, a rank above the model's width) name the field, and the user
     * typed {@code --tail-mode polar}. A value from an experiment file keeps the field's name, as the file writes it.
     */
    static RuntimeException asTyped(InvalidFieldException refusal, CommandSpec spec) {
        Optional<OptionSpec> option = ExperimentField.find(refusal.field()).flatMap(ExperimentField::option)
                .map(spec::findOption).filter(o -> !o.originalStringValues().isEmpty());
        if (option.isEmpty() || refusal.getMessage().startsWith(option.get().longestName())) {
            return refusal;
        }
        String typed = option.get().longestName() + " " + String.join(",", option.get().originalStringValues());
        return new InvalidFieldException(refusal.field(), typed + ": " + refusal.getMessage());
    }

    /**
     * The values given on the command line, by field name, each checked and converted by its field (method ids as
     * their names, as experiment files write them). A refusal names the option typed: {@code --lr must be a positive
     * number, got -1e-4}.
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
            Object value = field.normaliseAs(raw, field.option().get());
            values.put(field.fieldName(), value instanceof Enum<?> id ? id.name() : value);
        }
        return values;
    }
}
