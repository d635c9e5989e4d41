package io.tunestream.coordinator.sweep;

import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import java.util.Map;

/**
 * One run of a sweep: its id, its settings (base plus one grid combination) and the request that carries them.
 *
 * @param runId derived from the sweep name and the canonical settings: planning the same sweep again gives the
 *     same ids, so a second submission publishes nothing new
 * @param settings every field the sweep sets for this run
 * @param request the request to publish (its submittedAt is the planning time)
 */
public record PlannedRun(String runId, Map<ExperimentField, Object> settings, ExperimentRequest request) {}
