package io.tunestream.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.adapter.ParameterCounts;
import io.tunestream.worker.adapter.TailMode;
import io.tunestream.worker.adapter.full.FullFineTuning;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.model.source.ModelReference;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream methods}: every method with its trainable parameter counts for a model and rank. */
@Command(
        name = "methods",
        mixinStandardHelpOptions = true,
        description = "List the fine-tuning methods with their trainable parameter counts (adapter and head) for a model.")
final class MethodsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = ModelReference.DEFAULT,
            description = "Model reference: " + ModelReference.VALID_FORMS + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--rank", defaultValue = "8", description = "Adapter rank r (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--targets", defaultValue = "query,key,value",
            description = "Comma-separated projections to patch (default: ${DEFAULT-VALUE}); valid: query, key, value, "
                    + "attention.output.dense, intermediate.dense, output.dense.")
    String targets;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    /** One listed method: counts, or why the options do not fit the model. */
    record Row(String method, String tailMode, String description, Long adapterParameters, Long headParameters,
            Long totalParameters, Double trainablePercent, String error) {}

    @Override
    public Integer call() throws Exception {
        AdapterOptions base = AdapterOptions.defaults().withRank(rank).withTargets(TargetModule.parseList(targets));
        BertConfig config = new ModelCatalog().config(model);
        List<Row> rows = rows(AdapterRegistry.standard(), config, base);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .setSerializationInclusion(JsonInclude.Include.NON_NULL).writeValueAsString(rows));
        } else {
            printTable(out, config, rows);
        }
        out.flush();
        return 0;
    }

    static List<Row> rows(AdapterRegistry registry, BertConfig config, AdapterOptions base) {
        long backbone = new FullFineTuning().adapterParameterCount(config, base);
        long head = (long) config.hiddenSize() * config.hiddenSize() + config.hiddenSize()
                + (long) config.hiddenSize() * config.labelCount() + config.labelCount();
        List<Row> rows = new ArrayList<>();
        for (AdapterMethod method : registry.all()) {
            List<AdapterOptions> variants = method.id().equals("salt_edora")
                    ? List.of(base, base.withTailMode(TailMode.POLAR)) : List.of(base);
            for (AdapterOptions options : variants) {
                String tail = method.id().equals("salt_edora") ? options.tailMode().id() : null;
                try {
                    AdaptedModel.validate(method, options, config);
                } catch (IllegalArgumentException e) {
                    rows.add(new Row(method.id(), tail, method.description(), null, null, null, null, e.getMessage()));
                    continue;
                }
                long adapter = method.adapterParameterCount(config, options);
                long total = backbone + head + (method.patchesProjections() ? adapter : 0);
                ParameterCounts counts = new ParameterCounts(adapter, head, total);
                rows.add(new Row(method.id(), tail, method.description(), adapter, head, total,
                        Math.round(counts.trainableShare() * 1e6) / 1e4, null));
            }
        }
        return rows;
    }

    private void printTable(PrintWriter out, BertConfig config, List<Row> rows) {
        out.printf(Locale.ROOT, "model %s: %d layers, hidden %d; rank %d on %s%n%n", model, config.layerCount(),
                config.hiddenSize(), rank, targets);
        out.printf(Locale.ROOT, "%-18s %14s %12s %11s  %s%n", "method", "adapter", "head", "trainable", "description");
        for (Row row : rows) {
            String name = row.tailMode() == null ? row.method() : row.method() + " (" + row.tailMode() + ")";
            if (row.error() != null) {
                out.printf(Locale.ROOT, "%-18s %s%n", name, "not applicable: " + row.error());
            } else {
                out.printf(Locale.ROOT, "%-18s %,14d %,12d %10.3f%%  %s%n", name, row.adapterParameters(),
                        row.headParameters(), row.trainablePercent(), row.description());
            }
        }
    }
}
