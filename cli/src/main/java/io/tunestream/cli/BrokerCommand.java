package io.tunestream.cli;

import io.tunestream.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream broker}: a single-node Kafka broker in the foreground, for local runs and the demo. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"Run a single-node Kafka broker (KRaft, broker and controller in one process) on 127.0.0.1 until "
                    + "Ctrl-C.",
            "Share groups work on it; topics are not created automatically."})
final class BrokerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "9092",
            description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep topics and offsets in DIR across runs (default: a temporary dir, deleted on exit).")
    Path dataDirectory;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().optPort(port);
        if (dataDirectory != null) {
            builder.optDataDir(dataDirectory);
        }
        EmbeddedKafkaBroker broker = builder.build();
        if (port != 0) {
            requireFree(port);
        }
        broker.start();
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C and SIGTERM run the JVM's shutdown hooks: stop the broker cleanly, so that its logs are closed
        // and a kept data dir starts without recovery next time.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "tunestream-broker-shutdown"));

        PrintWriter out = spec.commandLine().getOut();
        out.println(broker.bootstrapServers());
        out.println(dataDirectory != null
                ? "Kafka broker ready; data in " + broker.dataDir() + ". Ctrl-C stops it."
                : "Kafka broker ready; data in a temporary dir, deleted on exit. Ctrl-C stops it.");
        out.flush();
        stopped.await();
        return 0;
    }

    /** A port someone else holds gives one clear line instead of the broker's bind failure deep in a stack trace. */
    private static void requireFree(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalArgumentException("port " + port + " on 127.0.0.1 is in use (" + e.getMessage()
                    + "); choose another with --port, or --port 0 for a free one");
        }
    }
}
