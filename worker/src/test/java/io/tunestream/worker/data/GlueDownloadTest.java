package io.tunestream.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tunestream.worker.TestModels;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GLUE downloads against a local HTTP server on loopback serving GLUE's archive layouts. */
class GlueDownloadTest {

    private HttpServer server;

    /** Serves each body at its path; returns the server's base URI. */
    private URI serve(Map<String, byte[]> bodies) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        bodies.forEach((path, body) -> server.createContext(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }));
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static byte[] archive(Map<String, byte[]> files) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static GlueDownload.Source source(URI uri, byte[] body) throws Exception {
        return new GlueDownload.Source(uri, body.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    }

    @Test
    void everyTaskHasItsSourcesRecordedWithSizesAndSha256s() {
        for (GlueTask task : GlueTask.values()) {
            List<GlueDownload.Source> sources = GlueDownload.SOURCES.get(task);
            assertFalse(sources == null || sources.isEmpty(), task + " has no source");
            for (GlueDownload.Source source : sources) {
                assertTrue(source.sha256().matches("[0-9a-f]{64}") && source.bytes() > 0, source.toString());
                assertTrue(source.uri().toString().startsWith("https://dl.fbaipublicfiles.com/"), source.toString());
            }
        }
    }

    /** The real SST-2 files, whose md5s are recorded, in GLUE's archive layout: fetched, verified and found by name. */
    @Test
    void sst2IsFetchedVerifiedAndServedByName(@TempDir Path cache) throws Exception {
        Path source = TestModels.sharedData().resolve("glue-sst2");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("SST-2/train.tsv", Files.readAllBytes(source.resolve("train.tsv")));
        files.put("SST-2/dev.tsv", Files.readAllBytes(source.resolve("dev.tsv")));
        files.put("SST-2/test.tsv", "index\tsentence\n".getBytes());
        byte[] zip = archive(files);
        URI base = serve(Map.of("/SST-2.zip", zip));
        Path directory = GlueDownload.fetch(GlueTask.SST2, List.of(source(base.resolve("/SST-2.zip"), zip)), cache);
        assertEquals(GlueDownload.FILE_MD5.get(GlueTask.SST2).get("train.tsv"), GlueDownload.digest(directory.resolve("train.tsv"), "MD5"));
        assertTrue(Files.exists(directory.resolve("test.tsv")));
        assertEquals(872, DataTest.read(new DatasetCatalog(Optional.of(cache)).resolve("glue-sst2").dev().get(0)).size());
        assertEquals(List.of("glue-sst2"), Files.list(cache).map(p -> p.getFileName().toString()).toList(), "no staging left");
    }

    /** MNLI's two dev files come out of its archive, and the task reads by name. */
    @Test
    void mnliKeepsBothDevSets(@TempDir Path cache) throws Exception {
        Path fixtures = GlueLayoutsTest.fixtures().resolve("glue-mnli");
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String file : List.of("train.tsv", "dev_matched.tsv", "dev_mismatched.tsv")) {
            files.put("MNLI/" + file, Files.readAllBytes(fixtures.resolve(file)));
        }
        files.put("MNLI/original/multinli_1.0_train.txt", "not wanted".getBytes());
        byte[] zip = archive(files);
        URI base = serve(Map.of("/MNLI.zip", zip));
        Path directory = GlueDownload.fetch(GlueTask.MNLI, List.of(source(base.resolve("/MNLI.zip"), zip)), cache);
        assertFalse(Files.exists(directory.resolve("multinli_1.0_train.txt")));
        DatasetCatalog.DatasetFiles mnli = new DatasetCatalog(Optional.of(cache)).resolve("glue-mnli");
        assertEquals(2, LabelledData.read(mnli.train(), mnli.dev(), mnli.layout()).dev().size());
    }

    /** MRPC as GLUE builds it: Microsoft's train file (with its byte-order mark) split by the list of dev pairs. */
    @Test
    void mrpcIsSplitByTheDevPairs(@TempDir Path cache) throws Exception {
        byte[] msr = ("\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                + "1\t702876\t702977\tAmrozi accused his brother .\tReferring to him , Amrozi accused his brother .\n"
                + "0\t2108705\t2108831\tYucaipa owned Dominick 's .\tYucaipa bought Dominick 's in 1995 .\n"
                + "1\t1330381\t1330521\tThey had published an ad .\tOn June 10 , they published an ad .\n").getBytes(StandardCharsets.UTF_8);
        byte[] ids = "2108705\t2108831\n".getBytes(StandardCharsets.UTF_8);
        URI base = serve(Map.of("/msr.txt", msr, "/ids.tsv", ids));
        Path directory = GlueDownload.fetch(GlueTask.MRPC,
                List.of(source(base.resolve("/msr.txt"), msr), source(base.resolve("/ids.tsv"), ids)), cache);
        assertEquals("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String", Files.readAllLines(directory.resolve("train.tsv")).get(0));
        assertEquals(3, Files.readAllLines(directory.resolve("train.tsv")).size());
        DatasetCatalog.DatasetFiles mrpc = new DatasetCatalog(Optional.of(cache)).resolve("glue-mrpc");
        LabelledData data = LabelledData.read(mrpc.train(), mrpc.dev(), mrpc.layout());
        assertEquals(2, data.train().size());
        assertEquals("Yucaipa owned Dominick 's .", data.dev().get(0).examples().get(0).text());
    }

    @Test
    void aDownloadThatIsNotTheRecordedOneIsRejectedAndNothingIsKept(@TempDir Path cache) throws Exception {
        byte[] zip = archive(Map.of("SST-2/train.tsv", "sentence\tlabel\nfake\t1\n".getBytes(),
                "SST-2/dev.tsv", "sentence\tlabel\nfake\t0\n".getBytes()));
        URI base = serve(Map.of("/SST-2.zip", zip));
        GlueDownload.Source recorded = GlueDownload.SOURCES.get(GlueTask.SST2).get(0);
        String message = assertThrows(IllegalArgumentException.class, () -> GlueDownload.fetch(GlueTask.SST2,
                List.of(new GlueDownload.Source(base.resolve("/SST-2.zip"), recorded.bytes(), recorded.sha256())), cache)).getMessage();
        assertTrue(message.contains("bytes with SHA-256") && message.contains("expected " + recorded.bytes()), message);
        // the right checksum for this archive, but its files are not GLUE's: their md5s are checked too
        String files = assertThrows(IllegalArgumentException.class, () -> GlueDownload.fetch(GlueTask.SST2,
                List.of(source(base.resolve("/SST-2.zip"), zip)), cache)).getMessage();
        assertTrue(files.contains("has md5") && files.contains("expected"), files);
        assertEquals(List.of(), Files.list(cache).toList(), "nothing kept, no staging left");
    }
}
