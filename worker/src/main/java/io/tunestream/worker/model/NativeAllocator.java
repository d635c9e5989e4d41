package io.tunestream.worker.model;

/**
 * Which C allocator serves libtorch's tensors in this process. {@code ./tunestream}, the tests and the worker image
 * preload gperftools' tcmalloc where it is installed: with glibc's allocator a training process's RSS grew by
 * about 10% over its first few hundred steps (its arena fragments as real batches of varying length come and go)
 * and stood 160-320 MiB higher; with tcmalloc it grew by 4%, at the same speed (docs/performance.md, Memory).
 * A library can only be preloaded when the process starts, so this class reports.
 */
public final class NativeAllocator {

    /** The file name that {@code LD_PRELOAD} names and {@code /proc/self/maps} lists. */
    public static final String TCMALLOC = "libtcmalloc_minimal.so.4";

    private static final String NAME = readName();

    private NativeAllocator() {}

    /** {@code tcmalloc}, {@code jemalloc} or {@code glibc}: the allocator mapped into this process. */
    public static String name() {
        return NAME;
    }

    /** One line for logs and the benchmark. */
    public static String describe() {
        return switch (NAME) {
            case "tcmalloc" -> "allocator: tcmalloc (" + TCMALLOC + " preloaded)";
            case "jemalloc" -> "allocator: jemalloc (preloaded)";
            default -> "glibc".equals(System.getenv("TUNESTREAM_ALLOCATOR"))
                    ? "allocator: glibc malloc (TUNESTREAM_ALLOCATOR=glibc)"
                    : "allocator: glibc malloc (tcmalloc is not preloaded: install gperftools' " + TCMALLOC
                    + ", Debian's libtcmalloc-minimal4, and start through ./tunestream for lower, flatter memory;"
                    + " docs/performance.md)";
        };
    }

    private static String readName() {
        return ProcessMaps.lines().stream()
                .map(NativeAllocator::allocatorOf)
                .filter(name -> !name.isEmpty())
                .findFirst()
                .orElse("glibc");
    }

    /** The allocator a {@code /proc/self/maps} line maps, or empty. */
    static String allocatorOf(String mapsLine) {
        String file = mapsLine.substring(mapsLine.lastIndexOf('/') + 1);
        if (file.startsWith("libtcmalloc")) {
            return "tcmalloc";
        }
        return file.startsWith("libjemalloc") ? "jemalloc" : "";
    }
}
