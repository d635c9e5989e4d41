package io.tunestream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Where the deployment files are, and their YAML read as trees. */
final class DeployFiles {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DeployFiles() {}

    /** The deploy/ directory of this checkout (set by the module's Surefire configuration). */
    static Path root() {
        String dir = System.getProperty("tunestream.deploy.dir");
        if (dir == null) {
            throw new IllegalStateException("system property tunestream.deploy.dir is not set: run these tests through Maven");
        }
        return Path.of(dir);
    }

    static Path repositoryRoot() {
        return root().getParent();
    }

    /** Every document of a YAML file, in order. */
    static List<JsonNode> yamlDocuments(Path file) {
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            return documents.readAll().stream().filter(node -> node != null && !node.isNull() && !node.isMissingNode()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " as YAML: " + e.getMessage(), e);
        }
    }

    /** A one-document YAML file or text. */
    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        if (documents.size() != 1) {
            throw new IllegalArgumentException(file + " holds " + documents.size() + " YAML documents, expected 1");
        }
        return documents.get(0);
    }

    static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not YAML: " + e.getMessage(), e);
        }
    }
}
