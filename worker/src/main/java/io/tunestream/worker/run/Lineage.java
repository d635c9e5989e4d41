package io.tunestream.worker.run;

import io.tunestream.worker.data.DatasetIdentity;
import io.tunestream.worker.model.ModelIdentity;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run's result came from (docs/worker.md, "Lineage"): the code, the pretrained weights, the data, and where
 * and in what precision it trained. A run records it in its config and summary and reports it on its status, beside
 * the resolved experiment, so that any two results can be told apart by what produced them.
 *
 * @param build the worker's {@link Build#id() build id}
 * @param model the pretrained model
 * @param dataset the data files
 * @param device where it trained: {@code cpu} or {@code cuda:N}
 * @param precision the arithmetic of its training steps
 */
public record Lineage(String build, ModelIdentity model, DatasetIdentity dataset, String device, String precision) {

    /** The lineage of {@code experiment} trained on {@code device} by this build. */
    public static Lineage of(Experiment experiment, String device) {
        return new Lineage(Build.id(), experiment.pretrained().identity(), experiment.data(), device,
                experiment.config().trainingPrecision().id());
    }

    /**
     * Why a run recorded with this lineage cannot be resumed under {@code current}: its weights or data are not the
     * ones it started from. Empty when it can; another build, device or precision may resume it.
     */
    public List<String> conflictsWith(Lineage current) {
        List<String> conflicts = new ArrayList<>();
        if (!model.weightsSha256().equals(current.model.weightsSha256())) {
            conflicts.add("its model's weights (" + model.source() + ", sha256 " + model.weightsSha256() + ") are not "
                    + current.model.source() + "'s (sha256 " + current.model.weightsSha256() + ")");
        }
        if (!dataset.sha256().equals(current.dataset.sha256())) {
            conflicts.add("its data (" + String.join(", ", dataset.files()) + ", sha256 " + dataset.sha256()
                    + ") is not the data now at " + String.join(", ", current.dataset.files()) + " (sha256 "
                    + current.dataset.sha256() + ")");
        }
        return conflicts;
    }
}
