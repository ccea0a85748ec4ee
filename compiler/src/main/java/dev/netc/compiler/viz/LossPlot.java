package dev.netc.compiler.viz;

import dev.netc.runtime.EpochReport;
import dev.netc.runtime.TrainingHistory;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The training curves of {@code netc train --plot}, drawn with XChart: the training and test loss
 * per epoch on the left axis and, for a classifier, the training and test accuracy (in percent) on
 * the right axis. PNG or SVG; works headless.
 */
public final class LossPlot {
  public enum Format { PNG, SVG }

  private LossPlot() {}

  /** The format that a file name's extension asks for, or null. */
  public static Format formatOf(String fileName) {
    String n = fileName.toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".png") ? Format.PNG : n.endsWith(".svg") ? Format.SVG : null;
  }

  /** The chart of {@code history}, which must have at least one epoch. */
  public static XYChart chart(String title, TrainingHistory history) {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    List<EpochReport> epochs = history.epochs();
    if (epochs.isEmpty()) {
      throw new IllegalArgumentException("no epochs to plot");
    }
    XYChart chart = new XYChartBuilder().width(800).height(480).title(title)
        .xAxisTitle("epoch").yAxisTitle("loss").build();
    Styler s = chart.getStyler();
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    double[] x = epochs.stream().mapToDouble(EpochReport::epoch).toArray();
    Color blue = new Color(31, 119, 180);
    Color orange = new Color(230, 110, 20);
    series(chart, "train loss", x, epochs, EpochReport::trainLoss, 0, blue, false);
    series(chart, "test loss", x, epochs, EpochReport::testLoss, 0, orange, false);
    boolean acc = series(chart, "train accuracy %", x, epochs, r -> 100 * r.trainAccuracy(), 1, blue, true);
    acc |= series(chart, "test accuracy %", x, epochs, r -> 100 * r.testAccuracy(), 1, orange, true);
    if (acc) {
      chart.setYAxisGroupTitle(1, "accuracy %");
    }
    return chart;
  }

  /** Adds a series unless all its values are NaN; returns whether it did. */
  private static boolean series(XYChart chart, String name, double[] x, List<EpochReport> epochs,
      ToDoubleFunction<EpochReport> f, int axis, Color color, boolean dashed) {
    double[] y = epochs.stream().mapToDouble(f).toArray();
    if (java.util.Arrays.stream(y).allMatch(Double::isNaN)) {
      return false;
    }
    XYSeries series = chart.addSeries(name, x, y);
    series.setYAxisGroup(axis);
    series.setLineColor(color);
    series.setMarkerColor(color);
    series.setMarker(x.length <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    if (dashed) {
      series.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
    }
    return true;
  }

  /** The chart encoded as a PNG or SVG file's bytes. */
  public static byte[] encode(XYChart chart, Format format) throws IOException {
    if (format == Format.PNG) {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    return out.toByteArray();
  }
}
