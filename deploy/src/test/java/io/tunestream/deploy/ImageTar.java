package io.tunestream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * An image tar as {@code jib:buildTar} writes it (Docker's {@code docker save} layout: manifest.json, the config,
 * one gzipped tar per layer), read into its config and the files of all its layers.
 */
final class ImageTar {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file of a layer: its mode, and its content where it was asked for. */
    record LayerFile(int mode, boolean directory, byte[] content) {}

    private final JsonNode config;
    private final Map<String, LayerFile> files;

    private ImageTar(JsonNode config, Map<String, LayerFile> files) {
        this.config = config;
        this.files = files;
    }

    /**
     * @param keepContent which files (by absolute path in the image) to keep the content of; the others only by
     *     name and mode
     */
    static ImageTar read(Path tar, Predicate<String> keepContent) throws IOException {
        Map<String, byte[]> top = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                top.put(entry.getName(), in.readAllBytes());
            }
        }
        JsonNode manifest = JSON.readTree(top.get("manifest.json")).get(0);
        JsonNode config = JSON.readTree(top.get(manifest.path("Config").asText()));
        Map<String, LayerFile> files = new LinkedHashMap<>();
        for (JsonNode layer : manifest.path("Layers")) {
            byte[] gzipped = top.get(layer.asText());
            try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(new java.io.ByteArrayInputStream(gzipped)))) {
                for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                    String path = "/" + entry.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                    files.put(path, new LayerFile(entry.getMode(), entry.isDirectory(), keepContent.test(path) ? in.readAllBytes() : null));
                }
            }
        }
        return new ImageTar(config, files);
    }

    JsonNode containerConfig() {
        return config.path("config");
    }

    List<String> entrypoint() {
        return ComposeFileTest.strings(containerConfig().path("Entrypoint"));
    }

    List<String> environment() {
        return ComposeFileTest.strings(containerConfig().path("Env"));
    }

    Map<String, LayerFile> files() {
        return files;
    }

    String text(String path) {
        LayerFile file = files.get(path);
        if (file == null || file.content() == null) {
            throw new AssertionError(path + " is not in the image (or its content was not kept)");
        }
        return new String(file.content(), StandardCharsets.UTF_8);
    }

    /** Whether a jar of the image holds an entry that matches. */
    boolean jarHolds(String jarPath, Predicate<String> entryName) {
        LayerFile jar = files.get(jarPath);
        if (jar == null || jar.content() == null) {
            throw new AssertionError(jarPath + " is not in the image (or its content was not kept)");
        }
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(jar.content()))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (entryName.test(entry.getName())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(jarPath + " is not a jar: " + e.getMessage(), e);
        }
    }
}
