package io.tunestream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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

    /**
     * Lays the image's layers, in order, into {@code root} as a container runtime would, with the files' modes
     * (whiteout files, which Jib does not write, are not handled).
     */
    static void extract(Path tar, Path root) throws IOException {
        Path layers = Files.createTempDirectory("image-layers");
        try {
            List<Path> layerFiles = new java.util.ArrayList<>();
            JsonNode manifest = null;
            try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
                for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                    Path file = layers.resolve(entry.getName());
                    Files.copy(in, file);
                    if (entry.getName().equals("manifest.json")) {
                        manifest = JSON.readTree(file.toFile()).get(0);
                    }
                }
            }
            for (JsonNode layer : manifest.path("Layers")) {
                layerFiles.add(layers.resolve(layer.asText()));
            }
            for (Path layer : layerFiles) {
                try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(Files.newInputStream(layer)))) {
                    for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                        Path target = root.resolve(entry.getName()).normalize();
                        if (!target.startsWith(root)) {
                            throw new IOException("layer entry " + entry.getName() + " leaves the image root");
                        }
                        if (entry.isDirectory()) {
                            Files.createDirectories(target);
                        } else if (entry.isSymbolicLink()) {
                            Files.createDirectories(target.getParent());
                            Files.deleteIfExists(target);
                            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                            continue;
                        } else {
                            Files.createDirectories(target.getParent());
                            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString(permissions(entry.getMode())));
                    }
                }
            }
        } finally {
            try (var files = Files.walk(layers)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String permissions(int mode) {
        StringBuilder text = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int bit = 0; bit < 9; bit++) {
            text.append((mode & (1 << (8 - bit))) != 0 ? letters.charAt(bit) : '-');
        }
        return text.toString();
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
