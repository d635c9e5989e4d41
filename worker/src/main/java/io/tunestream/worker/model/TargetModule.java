package io.tunestream.worker.model;

import io.tunestream.schemas.InvalidFieldException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The linear projections of a BERT layer that an adapter can be patched into, by their user-facing ids. */
public enum TargetModule {
    QUERY("query", "attention.self.query"),
    KEY("key", "attention.self.key"),
    VALUE("value", "attention.self.value"),
    ATTENTION_OUTPUT("attention.output.dense", "attention.output.dense"),
    INTERMEDIATE("intermediate.dense", "intermediate.dense"),
    OUTPUT("output.dense", "output.dense");

    /** The notebook's choice and the default: the attention query, key and value projections. */
    public static final List<TargetModule> DEFAULT = List.of(QUERY, KEY, VALUE);

    private final String id;
    private final String pathInLayer;

    TargetModule(String id, String pathInLayer) {
        this.id = id;
        this.pathInLayer = pathInLayer;
    }

    public String id() {
        return id;
    }

    /** HuggingFace path below {@code encoder.layer.N.}. */
    public String pathInLayer() {
        return pathInLayer;
    }

    public static TargetModule fromId(String id) {
        for (TargetModule target : values()) {
            if (target.id.equals(id.trim())) {
                return target;
            }
        }
        throw new InvalidFieldException("targets",
                "unknown target module '" + id + "'; valid targets: " + validIds());
    }

    /** Parses a comma-separated list such as {@code query,key,value}; duplicates are dropped, order kept. */
    public static List<TargetModule> parseList(String ids) {
        if (ids == null || ids.isBlank()) {
            throw new InvalidFieldException("targets", "target modules must not be empty; valid targets: " + validIds());
        }
        Set<TargetModule> targets = new LinkedHashSet<>();
        for (String id : ids.split(",")) {
            targets.add(fromId(id));
        }
        return List.copyOf(targets);
    }

    public static String validIds() {
        return Arrays.stream(values()).map(TargetModule::id).collect(Collectors.joining(", "));
    }
}
