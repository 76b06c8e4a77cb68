package io.portcullis.e2e.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Order statistics of a handful of samples (rounds, pings, clients) and their formatting. */
final class Stats {

    private Stats() {}

    static double[] array(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double median(List<Double> v) {
        return median(array(v));
    }

    /** Nearest-rank percentile ({@code p} in 0..100): the smallest sample with at least p % of samples at or below it. */
    static double percentile(double[] v, double p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    static double sum(double[] v) {
        return Arrays.stream(v).sum();
    }

    /** A number with {@code decimals} places, thousands separated; "n/a" for NaN. */
    static String fmt(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }
}
