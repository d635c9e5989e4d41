package io.tunestream.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.worker.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A team's own data: CSV, TSV and JSON Lines, named columns, string labels, regression, and every bad input. */
class CustomDataTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
        return path;
    }

    private static DataLayout columns(String texts, String label) {
        return new DataLayout(null, null, DatasetReader.columnList(texts), label, null, null, null);
    }

    private static String error(Runnable read) {
        return assertThrows(IllegalArgumentException.class, read::run).getMessage();
    }

    @Test
    void csvWithQuotedCommasQuotesAndLineBreaksAndStringLabels() throws Exception {
        Path train = file("train.csv", "premise,hypothesis,label\n"
                + "\"A man, tall\",\"He said \"\"hi\"\"\",entailment\n"
                + "A dog runs.,\"A cat\nsleeps.\",neutral\n"
                + "Rain falls.,It is dry.,contradiction\n");
        Path dev = file("dev.csv", "premise,hypothesis,label\nSun.,Light.,entailment\n");
        LabelledData data = LabelledData.read(train, List.of(dev), columns("premise,hypothesis", "label"));
        assertEquals(List.of("contradiction", "entailment", "neutral"), data.task().labels(), "sorted, recorded");
        assertEquals(new Example("A man, tall", "He said \"hi\"", 1), data.train().get(0));
        assertEquals("A cat\nsleeps.", data.train().get(1).pair());
        assertEquals(0, data.train().get(2).label(), 0.0);
        assertEquals(List.of("contradiction", "entailment", "neutral"), data.layout().labels());
        assertEquals("classification", data.layout().task());
        assertEquals("accuracy", data.layout().metric());
    }

    @Test
    void jsonLinesWithNumericTargetsIsRegression() throws Exception {
        Path train = file("train.jsonl", "{\"a\": \"x y\", \"b\": \"x\", \"score\": 4.5}\n\n{\"a\": \"p\", \"b\": \"q\", \"score\": 1}\n");
        Path dev = file("dev.jsonl", "{\"a\": \"m\", \"b\": \"n\", \"score\": 2.25}\n");
        LabelledData data = LabelledData.read(train, List.of(dev), columns("a,b", "score"));
        assertEquals(Task.Kind.REGRESSION, data.task().kind());
        assertEquals(List.of(4.5, 1.0), data.train().stream().map(Example::label).toList());
        assertEquals(2.25, data.dev().get(0).examples().get(0).label(), 0.0);
    }

    @Test
    void integerLabelsSortNumericallyAndTheTaskCanBeForced() throws Exception {
        Path train = file("train.tsv", "text\tstars\na\t10\nb\t9\nc\t1\n");
        LabelledData classes = LabelledData.read(train, List.of(train), columns("text", "stars"));
        assertEquals(List.of("1", "9", "10"), classes.task().labels());
        LabelledData regression = LabelledData.read(train, List.of(train),
                columns("text", "stars").overriddenBy(new DataLayout(null, null, null, null, "regression", null, "spearman")));
        assertEquals(Task.Kind.REGRESSION, regression.task().kind());
        assertEquals("spearman", regression.task().metric().id());
    }

    @Test
    void aNamedDatasetIsAFolderWithADatasetYaml() throws Exception {
        file("reviews/dataset.yaml", "textColumns: [review]\nlabelColumn: sentiment\nlabels: [neg, pos]\nmetric: f1\n");
        file("reviews/train.csv", "review,sentiment\ngreat,pos\nawful,neg\n");
        file("reviews/dev.csv", "review,sentiment\nfine,pos\n");
        DatasetCatalog catalog = new DatasetCatalog(Optional.of(dir));
        assertTrue(catalog.names().contains("reviews"), catalog.names().toString());
        assertTrue(catalog.knows("Reviews"), "names are case-insensitive");
        DatasetCatalog.DatasetFiles files = catalog.resolve("reviews");
        LabelledData data = LabelledData.read(files.train(), files.dev(), files.layout());
        assertEquals(List.of("neg", "pos"), data.task().labels(), "the declared order, not the sorted one");
        assertEquals("f1", data.task().metric().id());
        assertEquals(1, data.train().get(0).label(), 0.0);
    }

    @Test
    void badInputIsRefusedNamingFileLineAndColumn() throws Exception {
        Path good = file("good.csv", "text,label\nyes,a\nno,b\n");
        Path missing = file("missing.csv", "body,label\nyes,a\n");
        assertEquals(missing + ":1: no column 'text'; the header has [body, label]",
                error(() -> LabelledData.read(missing, List.of(good), columns("text", "label"))));

        Path outside = file("outside.csv", "text,label\nyes,a\nmaybe,c\n");
        assertEquals(outside + ":3: column 'label': label 'c' is not one of the task's labels [a, b]",
                error(() -> LabelledData.read(good, List.of(outside), columns("text", "label"))));

        Path notNumber = file("target.csv", "text,score\nx,1.5\ny,high\n");
        assertEquals(notNumber + ":3: column 'score': regression target 'high' is not a number",
                error(() -> LabelledData.read(notNumber, List.of(notNumber),
                        columns("text", "score").overriddenBy(new DataLayout(null, null, null, null, "regression", null, null)))));

        Path empty = file("empty.csv", "text,label\n");
        assertEquals(empty + " has no examples", error(() -> LabelledData.read(good, List.of(empty), columns("text", "label"))));

        Path ragged = file("ragged.csv", "text,label\nyes,a\nno,b,extra\n");
        assertEquals(ragged + ":3: expected 2 fields as the header has, found 3",
                error(() -> LabelledData.read(ragged, List.of(good), columns("text", "label"))));

        Path json = file("bad.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n");
        assertEquals(json + ":2: column 'label' is missing; the object has [text]",
                error(() -> LabelledData.read(json, List.of(json), columns("text", "label"))));

        assertEquals("metric 'pearson' does not fit a binary classification task; valid metrics: accuracy, f1, macro_f1,"
                + " matthews, f1_accuracy", error(() -> LabelledData.read(good, List.of(good),
                        columns("text", "label").overriddenBy(new DataLayout(null, null, null, null, null, null, "pearson")))));

        Path oneLabel = file("one.csv", "text,label\nyes,a\nno,a\n");
        assertTrue(error(() -> LabelledData.read(oneLabel, List.of(good), columns("text", "label")))
                .contains("every training label is [a]; classification needs at least two labels"));

        assertEquals(dir.resolve("data.txt2") + ": cannot tell the format from the extension; name the file .csv, .tsv or"
                + " .jsonl, or set the layout's format (csv, tsv, jsonl)",
                error(() -> LabelledData.read(dir.resolve("data.txt2"), List.of(good), columns("text", "label"))));
    }
}
