package io.tunestream.coordinator.results;

import io.tunestream.coordinator.service.CoordinatorState;
import io.tunestream.schemas.IoErrors;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The learning curves of a sweep's runs as one PNG: each run's primary metric per evaluation above (the title names
 * the metrics), training loss per step below.
 */
public final class LearningCurvePlot {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 450;

    private LearningCurvePlot() {}

    public static void write(List<RunRecord> runs, CoordinatorState state, Path png) {
        // charts render off-screen; no display is needed
        System.setProperty("java.awt.headless", "true");
        String metrics = String.join(", ", runs.stream().map(RunRecord::metric).distinct().sorted().toList());
        XYChart accuracy = chart("Dev " + metrics, metrics);
        XYChart loss = chart("Training loss", "loss");
        for (RunRecord run : runs) {
            add(accuracy, run.runId(), state.scores(run.runId()), true);
            add(loss, run.runId(), state.losses(run.runId()), false);
        }
        BufferedImage image = new BufferedImage(WIDTH, 2 * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.drawImage(BitmapEncoder.getBufferedImage(accuracy), 0, 0, null);
        graphics.drawImage(BitmapEncoder.getBufferedImage(loss), 0, HEIGHT, null);
        graphics.dispose();
        try {
            Path parent = png.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            ImageIO.write(image, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + IoErrors.reason(png, e), e);
        }
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        return chart;
    }

    private static void add(XYChart chart, String name, List<CoordinatorState.Point> points, boolean markers) {
        if (points.isEmpty()) {
            return;
        }
        double[] x = points.stream().mapToDouble(CoordinatorState.Point::step).toArray();
        double[] y = points.stream().mapToDouble(CoordinatorState.Point::value).toArray();
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
}
