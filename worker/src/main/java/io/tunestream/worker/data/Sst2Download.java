package io.tunestream.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Fetches GLUE SST-2 from its public archive into a dataset directory, verifying each file's md5 before it is
 * moved into place, so a truncated or altered download never becomes training data. Only an explicit
 * {@code tunestream data fetch} calls this; nothing downloads data implicitly.
 */
public final class Sst2Download {

    public static final URI GLUE_ARCHIVE = URI.create("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip");

    /** md5 of each split as GLUE publishes it (DESIGN.md). */
    public static final Map<String, String> MD5 = Map.of(
            "train.tsv", "da409a0a939379ed32a470bc0f7fe99a",
            "dev.tsv", "268856b487b2a31a28c0a93daaff7288");

    private Sst2Download() {}

    /** Downloads the archive and writes {@code target/glue-sst2/{train,dev}.tsv}; returns that directory. */
    public static Path fetch(URI archive, Path target) {
        Path directory = target.resolve(DatasetCatalog.SST2);
        try {
            Files.createDirectories(directory);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpRequest request = HttpRequest.newBuilder(archive).timeout(Duration.ofMinutes(5)).GET().build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IllegalArgumentException("GET " + archive + " answered HTTP " + response.statusCode());
            }
            int found = 0;
            try (ZipInputStream zip = new ZipInputStream(response.body())) {
                ZipEntry entry;
                while ((entry = zip.getNextEntry()) != null) {
                    String name = Path.of(entry.getName()).getFileName().toString();
                    if (entry.isDirectory() || !MD5.containsKey(name)) {
                        continue;
                    }
                    Path partial = directory.resolve(name + ".partial");
                    Files.copy(zip, partial, StandardCopyOption.REPLACE_EXISTING);
                    String md5 = md5(partial);
                    if (!md5.equals(MD5.get(name))) {
                        Files.delete(partial);
                        throw new IllegalArgumentException(name + " from " + archive + " has md5 " + md5
                                + ", expected " + MD5.get(name));
                    }
                    Files.move(partial, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    found++;
                }
            }
            if (found != MD5.size()) {
                throw new IllegalArgumentException(archive + " does not hold SST-2/train.tsv and SST-2/dev.tsv");
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + archive + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching " + archive, e);
        }
    }

    static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks MD5", e);
        }
    }
}
