package io.tunestream.cli.observability;

import java.util.Set;
import java.util.TreeSet;

/** What a /metrics page in the Prometheus text format holds. */
record Exposition(Set<String> sampleNames, Set<String> queriedFamilyNames) {

    /**
     * Sample names as queries use them ({@code x_total}, {@code x_seconds_bucket}, ...), and each family's name as
     * docs/metrics.md lists it: counters with their {@code _total}, histograms without a suffix.
     */
    static Exposition parse(String text) {
        Set<String> samples = new TreeSet<>();
        Set<String> families = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                String name = parts[2];
                families.add(parts[3].equals("counter") && !name.endsWith("_total") ? name + "_total" : name);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                samples.add(line.substring(0, end));
            }
        }
        return new Exposition(samples, families);
    }

    Exposition plus(Exposition other) {
        Set<String> samples = new TreeSet<>(sampleNames);
        samples.addAll(other.sampleNames);
        Set<String> families = new TreeSet<>(queriedFamilyNames);
        families.addAll(other.queriedFamilyNames);
        return new Exposition(samples, families);
    }
}
