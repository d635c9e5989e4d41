package io.tunestream.worker.data;

import io.tunestream.worker.task.Task;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset read and checked: its task, the layout it was read with (inferred values filled in), and its examples.
 *
 * @param task the task, with its label order
 * @param layout the layout, with the task, labels and metric as resolved: recorded with a run
 * @param train training examples
 * @param dev evaluation splits; the first decides the best checkpoint
 */
public record LabelledData(Task task, DataLayout layout, List<Example> train, List<Split> dev) {

    /** A named evaluation split: {@code dev}, or MNLI's {@code dev_matched} and {@code dev_mismatched}. */
    public record Split(String name, List<Example> examples) {}

    /** Reads {@code train} and each of {@code dev} with {@code layout}; the task comes from the training labels. */
    public static LabelledData read(Path train, List<Path> dev, DataLayout layout) {
        List<DatasetReader.Row> trainRows = DatasetReader.rows(train, layout);
        Task task = DatasetReader.task(layout, trainRows);
        DataLayout resolved = layout.overriddenBy(new DataLayout(null, null, null, null, task.kind().id(),
                task.isRegression() ? null : task.labels(), task.metric().id()));
        List<Split> splits = dev.stream().map(file -> new Split(splitName(file),
                DatasetReader.examples(DatasetReader.rows(file, layout), task, layout))).toList();
        return new LabelledData(task, resolved, DatasetReader.examples(trainRows, task, layout), splits);
    }

    /** Reads one evaluation file as a run's recorded layout describes it. */
    public static List<Example> readEvaluation(Path file, DataLayout recorded) {
        List<DatasetReader.Row> rows = DatasetReader.rows(file, recorded);
        return DatasetReader.examples(rows, DatasetReader.task(recorded, rows), recorded);
    }

    private static String splitName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
