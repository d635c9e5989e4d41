package io.tunestream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The data inlined in a page of {@code report --html}, read back without a browser. */
final class ReportPages {

    private static final String OPEN = "<script type=\"application/json\" id=\"tunestream-data\">";

    private ReportPages() {}

    static JsonNode data(Path page) throws IOException {
        String html = Files.readString(page);
        int start = html.indexOf(OPEN) + OPEN.length();
        return new ObjectMapper().readTree(html.substring(start, html.indexOf("</script>", start)));
    }

    static List<String> runs(Path page) throws IOException {
        List<String> runs = new ArrayList<>();
        data(page).path("runs").forEach(run -> runs.add(run.path("run").asText()));
        return runs;
    }
}
