package io.tunestream.worker.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether this process runs with the worker's MKL shim ({@code libtunestream-mkl.so}, see
 * {@code worker/src/main/native/mkl_intel_cpu.c}). Without it, the MKL inside libtorch multiplies on a generic
 * AVX2 path on any CPU that is not Intel's, about half the speed an AVX-512 CPU allows. The shim can only be
 * preloaded when the process starts, so this class reports; {@code ./tunestream}, the tests and the worker image
 * preload it.
 */
public final class MklShim {

    /** The file name that {@code LD_PRELOAD} names and {@code /proc/self/maps} lists. */
    public static final String LIBRARY = "libtunestream-mkl.so";

    // both fixed for the life of the process (a library can only be preloaded at its start): read once
    private static final boolean LOADED = readLoaded();
    private static final Optional<String> VENDOR = readCpuVendor();

    private MklShim() {}

    /** Whether the shim is mapped into this process. */
    public static boolean loaded() {
        return LOADED;
    }

    /** The CPU's vendor as {@code /proc/cpuinfo} names it ({@code GenuineIntel}, {@code AuthenticAMD}), if known. */
    public static Optional<String> cpuVendor() {
        return VENDOR;
    }

    private static boolean readLoaded() {
        return ProcessMaps.lines().stream().anyMatch(line -> line.endsWith("/" + LIBRARY));
    }

    private static Optional<String> readCpuVendor() {
        try (Stream<String> cpuinfo = Files.lines(Path.of("/proc/cpuinfo"))) {
            return cpuinfo.filter(line -> line.startsWith("vendor_id"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether matrix multiplies run slower than they could: an x86-64 CPU known not to be Intel's, without the
     * shim. Elsewhere (other architectures, no {@code /proc}) libtorch has no MKL to steer.
     */
    public static boolean degraded() {
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return x86 && !loaded() && cpuVendor().filter(vendor -> !vendor.equals("GenuineIntel")).isPresent();
    }

    /** One line for logs and the benchmark: what MKL dispatches on here, and how to fix it when degraded. */
    public static String describe() {
        String vendor = cpuVendor().orElse("unknown vendor");
        if (loaded()) {
            return "MKL chooses kernels by CPU features (" + LIBRARY + " preloaded; CPU " + vendor + ")";
        }
        if (!degraded()) {
            return "MKL chooses kernels by CPU features (CPU " + vendor + ")";
        }
        return "MKL multiplies on its generic AVX2 path on this " + vendor + " CPU, about half speed with AVX-512:"
                + " start through ./tunestream or set LD_PRELOAD to worker/target/native/" + LIBRARY
                + " (docs/performance.md)";
    }
}
