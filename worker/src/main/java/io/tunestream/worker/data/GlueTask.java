package io.tunestream.worker.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The nine GLUE tasks, each with the file layout of GLUE's public archive (docs/tasks.md, "GLUE"). Every GLUE file
 * is a TSV read without quoting: QQP's and MNLI's texts hold unbalanced double quotes that a CSV reader would take
 * for field quoting. The primary metrics follow GLUE's convention.
 */
public enum GlueTask {
    COLA("glue-cola", "CoLA", List.of("dev.tsv"),
            new DataLayout("tsv", false, List.of("3"), "1", "classification", List.of("0", "1"), "matthews")),
    SST2("glue-sst2", "SST-2", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("sentence"), "label", "classification", List.of("0", "1"), "accuracy")),
    MRPC("glue-mrpc", "MRPC", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("#1 String", "#2 String"), "Quality", "classification",
                    List.of("0", "1"), "f1_accuracy")),
    QQP("glue-qqp", "QQP", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("question1", "question2"), "is_duplicate", "classification",
                    List.of("0", "1"), "f1_accuracy")),
    STSB("glue-stsb", "STS-B", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("sentence1", "sentence2"), "score", "regression", null,
                    "pearson_spearman")),
    MNLI("glue-mnli", "MNLI", List.of("dev_matched.tsv", "dev_mismatched.tsv"),
            new DataLayout("tsv", true, List.of("sentence1", "sentence2"), "gold_label", "classification",
                    List.of("contradiction", "entailment", "neutral"), "accuracy")),
    QNLI("glue-qnli", "QNLI", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("question", "sentence"), "label", "classification",
                    List.of("entailment", "not_entailment"), "accuracy")),
    RTE("glue-rte", "RTE", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("sentence1", "sentence2"), "label", "classification",
                    List.of("entailment", "not_entailment"), "accuracy")),
    WNLI("glue-wnli", "WNLI", List.of("dev.tsv"),
            new DataLayout("tsv", true, List.of("sentence1", "sentence2"), "label", "classification",
                    List.of("0", "1"), "accuracy"));

    private final String datasetName;
    private final String archiveDirectory;
    private final List<String> devFiles;
    private final DataLayout layout;

    GlueTask(String datasetName, String archiveDirectory, List<String> devFiles, DataLayout layout) {
        this.datasetName = datasetName;
        this.archiveDirectory = archiveDirectory;
        this.devFiles = devFiles;
        this.layout = layout;
    }

    /** The dataset name a user and a request give: {@code glue-sst2}. */
    public String datasetName() {
        return datasetName;
    }

    /** The task's directory in GLUE's archive and data layout: {@code SST-2}. */
    public String archiveDirectory() {
        return archiveDirectory;
    }

    /** The dev files, the first being the one the best checkpoint and the primary metric use (MNLI: matched). */
    public List<String> devFiles() {
        return devFiles;
    }

    public String trainFile() {
        return "train.tsv";
    }

    public DataLayout layout() {
        return layout;
    }

    public static Optional<GlueTask> byName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.datasetName.equals(wanted)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(GlueTask::datasetName).toList();
    }
}
