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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SST-2 download against a local HTTP server on loopback serving GLUE's archive layout. */
class Sst2DownloadTest {

    private HttpServer server;

    private URI serve(byte[] body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/SST-2.zip", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/SST-2.zip");
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

    @Test
    void fetchesVerifiesAndCaches(@TempDir Path cache) throws Exception {
        Path source = TestModels.sharedData().resolve("glue-sst2");
        URI uri = serve(archive(Map.of(
                "SST-2/train.tsv", Files.readAllBytes(source.resolve("train.tsv")),
                "SST-2/dev.tsv", Files.readAllBytes(source.resolve("dev.tsv")),
                "SST-2/test.tsv", "index\tsentence\n".getBytes())));
        Path directory = Sst2Download.fetch(uri, cache);
        assertEquals(Sst2Download.MD5.get("train.tsv"), Sst2Download.md5(directory.resolve("train.tsv")));
        assertEquals(872, DataTest.read(new DatasetCatalog(Optional.of(cache)).resolve("glue-sst2").dev().get(0)).size());
    }

    @Test
    void aCorruptedFileIsRejectedAndNotKept(@TempDir Path cache) throws Exception {
        URI uri = serve(archive(Map.of("SST-2/train.tsv", "sentence\tlabel\nfake\t1\n".getBytes(),
                "SST-2/dev.tsv", "sentence\tlabel\nfake\t0\n".getBytes())));
        String message = assertThrows(IllegalArgumentException.class, () -> Sst2Download.fetch(uri, cache)).getMessage();
        assertTrue(message.contains("has md5") && message.contains("expected"), message);
        assertFalse(Files.exists(cache.resolve("glue-sst2/train.tsv")));
        assertFalse(Files.exists(cache.resolve("glue-sst2/dev.tsv")));
    }
}
