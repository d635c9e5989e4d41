package io.tunestream.cli;

import io.tunestream.worker.data.DataLayout;
import io.tunestream.worker.data.LayoutField;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The data-layout options, one per {@link LayoutField}: {@code train} takes them all; {@code eval} takes those that
 * describe a file's shape (its task, labels and metric are the run's).
 */
final class LayoutOptions {

    private LayoutOptions() {}

    /** Every layout field, for {@code train}. */
    public static final class All implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return add(spec, false);
        }
    }

    /** The fields that describe a file, for {@code eval}. */
    public static final class FileShape implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return add(spec, true);
        }
    }

    private static CommandSpec add(CommandSpec spec, boolean fileShapeOnly) {
        for (LayoutField field : LayoutField.values()) {
            if (!fileShapeOnly || field.describesFile()) {
                spec.addOption(OptionSpec.builder(field.option()).type(String.class).paramLabel("VALUE")
                        .description(field.help()).build());
            }
        }
        return spec;
    }

    /** The layout the command line sets, if it sets any of it. */
    static Optional<DataLayout> given(CommandSpec spec) {
        Map<LayoutField, String> values = new EnumMap<>(LayoutField.class);
        for (LayoutField field : LayoutField.values()) {
            OptionSpec option = spec.findOption(field.option());
            if (option != null && option.getValue() != null) {
                values.put(field, option.getValue());
            }
        }
        return LayoutField.layout(values);
    }
}
