package io.tunestream.worker.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The build this code comes from, as Maven recorded it in {@code tunestream-build.properties}: the project's version
 * and the git commit it was built at. Every run records {@link #id()} in its lineage, so a result names the code that
 * produced it.
 */
public final class Build {

    private static final String RESOURCE = "tunestream-build.properties";
    private static final String ID = read();

    private Build() {}

    /**
     * {@code VERSION+COMMIT}, with {@code .dirty} when the tree had uncommitted changes; the version alone when built
     * outside git, {@code unknown} when not built by Maven.
     */
    public static String id() {
        return ID;
    }

    private static String read() {
        Properties properties = new Properties();
        try (InputStream in = Build.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        String version = filled(properties.getProperty("version"));
        String commit = filled(properties.getProperty("commit"));
        if (version == null) {
            return "unknown";
        }
        if (commit == null) {
            return version;
        }
        return version + "+" + commit + ("true".equals(filled(properties.getProperty("dirty"))) ? ".dirty" : "");
    }

    /** A value Maven filled in; null for one it left as its {@code ${placeholder}} (no git) or empty. */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? null : value.trim();
    }
}
