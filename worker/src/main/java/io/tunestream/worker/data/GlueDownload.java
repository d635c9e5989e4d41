package io.tunestream.worker.data;

import io.tunestream.schemas.IoErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Fetches a GLUE task from GLUE's public files into a data directory (docs/tasks.md, "GLUE"). Every download is
 * checked against the size and SHA-256 recorded here before anything is extracted, and SST-2, QNLI, RTE and WNLI's
 * files also against their recorded md5s, so a truncated, altered or substituted download never becomes training
 * data; the task's folder appears only once it is complete. Only an explicit {@code tunestream data fetch} calls this.
 *
 * <p>The checksums are those published for these URLs by the HuggingFace {@code datasets} GLUE loader
 * ({@code dataset_infos.json}, SHA-256 and size) and by torchtext and PaddleNLP (md5); docs/tasks.md cites them.
 * GLUE publishes MRPC as Microsoft's train file and a list of dev pairs, which this splits as GLUE's own script does.
 */
public final class GlueDownload {

    /** One file to download and what it must be. */
    public record Source(URI uri, long bytes, String sha256) {}

    private static final String FB = "https://dl.fbaipublicfiles.com/";

    /** The archive of each task (MRPC: Microsoft's train file, then GLUE's list of dev pairs). */
    public static final Map<GlueTask, List<Source>> SOURCES = Map.of(
            GlueTask.COLA, List.of(new Source(URI.create(FB + "glue/data/CoLA.zip"), 376_971,
                    "f212fcd832b8f7b435fb991f101abf89f96b933ab400603bf198960dfc32cbff")),
            GlueTask.SST2, List.of(new Source(URI.create(FB + "glue/data/SST-2.zip"), 7_439_277,
                    "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa")),
            GlueTask.MRPC, List.of(
                    new Source(URI.create(FB + "senteval/senteval_data/msr_paraphrase_train.txt"), 1_047_044,
                            "60a9b09084528f0673eedee2b69cb941920f0b8cd0eeccefc464a98768457f89"),
                    new Source(URI.create(FB + "glue/data/mrpc_dev_ids.tsv"), 6_222,
                            "971d7767d81b997fd9060ade0ec23c4fc31cbb226a55d1bd4a1bac474eb81dc7")),
            GlueTask.QQP, List.of(new Source(URI.create(FB + "glue/data/QQP-clean.zip"), 41_696_084,
                    "40e7c862c04eb26ee04b67fd900e76c45c6ba8e6d8fab4f8f1f8072a1a3fbae0")),
            GlueTask.STSB, List.of(new Source(URI.create(FB + "glue/data/STS-B.zip"), 802_872,
                    "e60a6393de5a8b5b9bac5020a1554b54e3691f9d600b775bd131e613ac179c85")),
            GlueTask.MNLI, List.of(new Source(URI.create(FB + "glue/data/MNLI.zip"), 312_783_507,
                    "e7c1d896d26ed6caf700110645df426cc2d8ebf02a5ab743d5a5c68ac1c83633")),
            GlueTask.QNLI, List.of(new Source(URI.create(FB + "glue/data/QNLIv2.zip"), 10_627_589,
                    "e634e78627a29adaecd4f955359b22bf5e70f2cbd93b493f2d624138a0c0e5f5")),
            GlueTask.RTE, List.of(new Source(URI.create(FB + "glue/data/RTE.zip"), 697_150,
                    "6bf86de103ecd335f3441bd43574d23fef87ecc695977a63b82d5efb206556ee")),
            GlueTask.WNLI, List.of(new Source(URI.create(FB + "glue/data/WNLI.zip"), 28_999,
                    "ae0e8e4d16f4d46d4a0a566ec7ecceccfd3fbfaa4a7a4b4e02848c0f2561ac46")));

    /** md5 of extracted files, where a public record of GLUE's own files has them. */
    public static final Map<GlueTask, Map<String, String>> FILE_MD5 = Map.of(
            GlueTask.SST2, Map.of("train.tsv", "da409a0a939379ed32a470bc0f7fe99a", "dev.tsv", "268856b487b2a31a28c0a93daaff7288"),
            GlueTask.QNLI, Map.of("train.tsv", "5e6063f407b08d1f7c7074d049ace94a", "dev.tsv", "1e81e211959605f144ba6c0ad7dc948b"),
            GlueTask.RTE, Map.of("train.tsv", "d2844f558d111a16503144bb37a8165f", "dev.tsv", "973cb4178d4534cf745a01c309d4a66c"),
            GlueTask.WNLI, Map.of("train.tsv", "5cdc5a87b7be0c87a6363fa6a5481fc1", "dev.tsv", "a79a6dd5d71287bcad6824c892e517ee"));

    private GlueDownload() {}

    /** Fetches {@code task} from GLUE's own URLs into {@code target/NAME/}; returns that directory. */
    public static Path fetch(GlueTask task, Path target) {
        return fetch(task, SOURCES.get(task), target);
    }

    /**
     * Fetches {@code task} from {@code sources} (a mirror must serve the same bytes: each is checked against its
     * size and SHA-256) into {@code target/NAME/}, replacing nothing until the whole task is verified.
     */
    public static Path fetch(GlueTask task, List<Source> sources, Path target) {
        Path directory = target.resolve(task.datasetName());
        Path staging = target.resolve("." + task.datasetName() + ".partial");
        boolean created = Files.notExists(target);
        boolean fetched = false;
        try {
            Files.createDirectories(target);
            deleteTree(staging);
            Files.createDirectories(staging);
            List<Path> downloads = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                downloads.add(download(sources.get(i), staging.resolve("download-" + i), directory));
            }
            Path files = Files.createDirectories(staging.resolve(task.datasetName()));
            if (task == GlueTask.MRPC) {
                splitMrpc(downloads.get(0), downloads.get(1), files);
            } else {
                extract(task, downloads.get(0), files);
            }
            for (Map.Entry<String, String> expected : FILE_MD5.getOrDefault(task, Map.of()).entrySet()) {
                String md5 = digest(files.resolve(expected.getKey()), "MD5");
                if (!md5.equals(expected.getValue())) {
                    throw new IllegalArgumentException(task.archiveDirectory() + "/" + expected.getKey() + " has md5 " + md5
                            + ", expected " + expected.getValue());
                }
            }
            deleteTree(directory);
            Files.move(files, directory, StandardCopyOption.ATOMIC_MOVE);
            fetched = true;
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + task.datasetName() + ": " + IoErrors.reason(target, e), e);
        } finally {
            try {
                deleteTree(staging);
                if (created && !fetched) {
                    // a failed fetch leaves the data directory as it found it: absent
                    Files.deleteIfExists(target);
                }
            } catch (IOException e) {
                // a leftover staging folder is replaced by the next fetch; a leftover data folder is empty
            }
        }
    }

    /** Downloads {@code source} to {@code file}, checking its size and digest; {@code directory} is named in a hint. */
    private static Path download(Source source, Path file, Path directory) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(source.uri()).timeout(Duration.ofMinutes(30)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + source.uri() + ": " + IoErrors.reason(null, e)
                    + "; on a machine without network, copy the task's train and dev files into " + directory
                    + " instead (docs/tasks.md)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching " + source.uri(), e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalArgumentException("GET " + source.uri() + " answered HTTP " + response.statusCode());
        }
        MessageDigest sha = messageDigest("SHA-256");
        try (InputStream in = new DigestInputStream(response.body(), sha); OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        long bytes = Files.size(file);
        String sha256 = HexFormat.of().formatHex(sha.digest());
        if (bytes != source.bytes() || !sha256.equals(source.sha256())) {
            throw new IllegalArgumentException(source.uri() + " gave " + bytes + " bytes with SHA-256 " + sha256 + ", expected "
                    + source.bytes() + " bytes with SHA-256 " + source.sha256() + "; nothing was kept");
        }
        return file;
    }

    /** The task's train, dev and test files from its archive's folder ({@code SST-2/train.tsv}). */
    private static void extract(GlueTask task, Path archive, Path files) throws IOException {
        Set<String> wanted = new HashSet<>(task.devFiles());
        wanted.add(task.trainFile());
        Set<String> found = new HashSet<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path name = Path.of(entry.getName());
                if (entry.isDirectory() || name.getNameCount() != 2 || !name.getName(0).toString().equals(task.archiveDirectory())) {
                    continue;
                }
                String file = name.getFileName().toString();
                if (wanted.contains(file) || file.startsWith("test")) {
                    Files.copy(zip, files.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                    found.add(file);
                }
            }
        }
        wanted.removeAll(found);
        if (!wanted.isEmpty()) {
            throw new IllegalArgumentException("the archive lacks " + wanted.stream().sorted().map(f -> task.archiveDirectory() + "/" + f).toList());
        }
    }

    /**
     * GLUE's MRPC: Microsoft's train file split by GLUE's list of dev pairs (the two ids, tab-separated), both halves
     * under the train file's header. The file's byte-order mark is dropped.
     */
    private static void splitMrpc(Path msrTrain, Path devIds, Path files) throws IOException {
        Set<String> dev = new HashSet<>();
        for (String line : Files.readAllLines(devIds, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                dev.add(line.strip());
            }
        }
        List<String> train = new ArrayList<>();
        List<String> devRows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(msrTrain, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                throw new IllegalArgumentException("the MRPC train file is empty");
            }
            header = header.replace("\ufeff", "");
            train.add(header);
            devRows.add(header);
            for (String line; (line = reader.readLine()) != null; ) {
                String[] fields = line.strip().split("\t");
                if (fields.length != 5) {
                    throw new IllegalArgumentException("the MRPC train file has a row of " + fields.length + " fields: " + line);
                }
                (dev.contains(fields[1] + "\t" + fields[2]) ? devRows : train).add(line.strip());
            }
        }
        Files.write(files.resolve("train.tsv"), train, StandardCharsets.UTF_8);
        Files.write(files.resolve("dev.tsv"), devRows, StandardCharsets.UTF_8);
    }

    static String digest(Path file, String algorithm) throws IOException {
        MessageDigest digest = messageDigest(algorithm);
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks " + algorithm, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
