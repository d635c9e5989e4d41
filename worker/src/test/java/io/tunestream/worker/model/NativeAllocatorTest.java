package io.tunestream.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The tests train as users do: where gperftools' tcmalloc is installed (.ci/run installs it), the test JVMs preload
 * it (pom.xml's {@code allocator.preload}) as {@code ./tunestream} does. Fails when that wiring is lost.
 */
class NativeAllocatorTest {

    @Test
    void theTestJvmRunsWithTcmallocWhereItIsInstalled() {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu", NativeAllocator.TCMALLOC)),
                "tcmalloc is not installed here");
        assertEquals("tcmalloc", NativeAllocator.name(), "LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
        assertTrue(NativeAllocator.describe().contains("preloaded"), NativeAllocator.describe());
    }

    @Test
    void readsTheAllocatorFromAMapsLine() {
        assertEquals("tcmalloc", NativeAllocator.allocatorOf(
                "7f1c2a000000-7f1c2a020000 r-xp 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10"));
        assertEquals("jemalloc", NativeAllocator.allocatorOf("7f00-7f10 r-xp 00000000 08:01 99 /usr/lib/libjemalloc.so.2"));
        assertEquals("", NativeAllocator.allocatorOf("7f00-7f10 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6"));
        assertEquals("", NativeAllocator.allocatorOf("7ffd-7ffe rw-p 00000000 00:00 0 [stack]"));
    }
}
