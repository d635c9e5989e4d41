package io.tunestream.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tunestream.worker.task.Task;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every GLUE task's files, in their real layouts (test resources glue/), read through the catalog by name. */
class GlueLayoutsTest {

    private static final DatasetCatalog CATALOG = new DatasetCatalog(Optional.of(fixtures()));

    static Path fixtures() {
        try {
            return Path.of(GlueLayoutsTest.class.getResource("/glue").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LabelledData read(String name) {
        DatasetCatalog.DatasetFiles files = CATALOG.resolve(name);
        return LabelledData.read(files.train(), files.dev(), files.layout());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "glue-cola | 4 | 2 | 0 1                                  | false | matthews",
        "glue-sst2 | 3 | 2 | 0 1                                  | false | accuracy",
        "glue-mrpc | 3 | 2 | 0 1                                  | true  | f1_accuracy",
        "glue-qqp  | 3 | 3 | 0 1                                  | true  | f1_accuracy",
        "glue-mnli | 4 | 3 | contradiction entailment neutral     | true  | accuracy",
        "glue-qnli | 3 | 2 | entailment not_entailment            | true  | accuracy",
        "glue-rte  | 2 | 1 | entailment not_entailment            | true  | accuracy",
        "glue-wnli | 4 | 1 | 0 1                                  | true  | accuracy"})
    void classificationLayouts(String name, int train, int dev, String labels, boolean pairs, String metric) {
        LabelledData data = read(name);
        assertEquals(train, data.train().size(), "training rows");
        assertEquals(dev, data.dev().get(0).examples().size(), "dev rows");
        assertEquals(List.of(labels.split(" ")), data.task().labels());
        assertEquals(Task.Kind.CLASSIFICATION, data.task().kind());
        assertEquals(metric, data.task().metric().id());
        for (Example example : data.train()) {
            assertEquals(pairs, example.pair() != null, name + ": pair or single");
        }
    }

    @Test
    void colaHasNoHeaderAndItsSentenceIsTheFourthColumn() {
        LabelledData cola = read("glue-cola");
        assertEquals("Our friends won't buy this analysis, let alone the next one we propose.", cola.train().get(0).text());
        assertEquals(0, cola.train().get(2).label(), "'They drank the pub.' is unacceptable");
    }

    @Test
    void sst2FieldsLoseTheSpaceBeforeTheTab() {
        assertEquals("hide new secretions from the parental units", read("glue-sst2").train().get(0).text());
    }

    @Test
    void straySingleQuotesStayText() {
        LabelledData mrpc = read("glue-mrpc");
        assertEquals("\" The foodservice pie business does not fit our long-term growth strategy .", mrpc.train().get(1).pair());
        assertEquals(0, mrpc.train().get(2).label(), 0.0, "the row after an unbalanced quote is its own row");
        assertEquals("What is the \"Roman\" numeral for 1?", read("glue-qqp").dev().get(0).examples().get(2).text());
    }

    @Test
    void mnliHasTwoDevSetsOfSixteenColumnsAndTheGoldLabelLast() {
        LabelledData mnli = read("glue-mnli");
        assertEquals(List.of("dev_matched", "dev_mismatched"), mnli.dev().stream().map(LabelledData.Split::name).toList());
        assertEquals(3, mnli.dev().get(0).examples().size());
        assertEquals(2, mnli.dev().get(1).examples().size());
        assertEquals("Conceptually cream skimming has two basic dimensions - product and geography.", mnli.train().get(0).text());
        assertEquals(2, mnli.train().get(0).label(), 0.0, "neutral");
        assertEquals(0, mnli.train().get(3).label(), 0.0, "gold label contradiction, though label1 says entailment");
        assertEquals(1, mnli.dev().get(0).examples().get(2).label(), 0.0, "entailment");
    }

    @Test
    void stsbIsRegressionOnPairsWithRealValuedTargets() {
        LabelledData stsb = read("glue-stsb");
        assertEquals(Task.Kind.REGRESSION, stsb.task().kind());
        assertEquals("pearson_spearman", stsb.task().metric().id());
        assertEquals(List.of(5.0, 3.8, 3.8, 2.6), stsb.train().stream().map(Example::label).toList());
        assertEquals("A plane is taking off.", stsb.train().get(0).text());
        assertEquals("An air plane is taking off.", stsb.train().get(0).pair());
        assertEquals(2, stsb.dev().get(0).examples().size());
    }

    @Test
    void singleSentenceTasksHaveNoPair() {
        assertNull(read("glue-sst2").train().get(0).pair());
    }
}
