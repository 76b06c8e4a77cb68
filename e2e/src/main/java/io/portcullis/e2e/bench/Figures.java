package io.portcullis.e2e.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The benchmark's figures in a fixed order, each with its samples per server (one per round, or a
 * single one), summarised as median and min–max with the ratio of the first server to the second.
 */
final class Figures {

    /** One row of the table. */
    static final class Figure {
        final String section;
        final String label;
        final String unit;
        final int decimals;
        final Map<String, List<Double>> samples = new LinkedHashMap<>();

        Figure(String section, String label, String unit, int decimals) {
            this.section = section;
            this.label = label;
            this.unit = unit;
            this.decimals = decimals;
        }

        List<Double> samples(String server) {
            return samples.getOrDefault(server, List.of());
        }

        double median(String server) {
            return Stats.median(samples(server));
        }
    }

    private final Map<String, Figure> figures = new LinkedHashMap<>();

    /** Declares a figure (the table keeps declaration order); declaring it again returns the first one. */
    Figure define(String key, String section, String label, String unit, int decimals) {
        return figures.computeIfAbsent(key, k -> new Figure(section, label, unit, decimals));
    }

    void add(String key, String server, double value) {
        Figure f = figures.get(key);
        if (f == null) {
            throw new IllegalArgumentException("undeclared figure " + key);
        }
        if (!Double.isNaN(value)) {
            f.samples.computeIfAbsent(server, s -> new ArrayList<>()).add(value);
        }
    }

    /** Median of a figure for a server; NaN when not measured. */
    double median(String key, String server) {
        Figure f = figures.get(key);
        return f == null ? Double.NaN : f.median(server);
    }

    /**
     * The rounds' own ratios {@code a[r] / b[r]} of a figure measured round by round for both
     * servers back to back (the same number of samples each); empty when it was not.
     */
    double[] pairedRatios(String key, String a, String b) {
        return paired(key, a, b, true);
    }

    /** The rounds' own differences {@code a[r] − b[r]}, as {@link #pairedRatios}. */
    double[] pairedDifferences(String key, String a, String b) {
        return paired(key, a, b, false);
    }

    private double[] paired(String key, String a, String b, boolean ratio) {
        Figure f = figures.get(key);
        if (f == null || f.samples(a).size() != f.samples(b).size() || f.samples(a).isEmpty()) {
            return new double[0];
        }
        double[] x = Stats.array(f.samples(a));
        double[] y = Stats.array(f.samples(b));
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = ratio ? (y[i] == 0 ? Double.NaN : x[i] / y[i]) : x[i] - y[i];
        }
        return r;
    }

    /**
     * Markdown table: one row per figure measured for at least one server; per server the median
     * and min–max (a dash when there is one sample), and {@code servers[0] / servers[1]}; for the
     * figures {@code paired} accepts (measured round by round, both servers back to back), before
     * that the median and min–max of the rounds' own ratios.
     */
    String table(List<String> servers, List<String> headings, Predicate<String> pairedFigures) {
        boolean paired = servers.size() == 2 && figures.keySet().stream().anyMatch(pairedFigures);
        StringBuilder s = new StringBuilder();
        s.append("| figure | unit |");
        for (String h : headings) {
            s.append(' ').append(h).append(" median | ").append(h).append(" min–max |");
        }
        if (paired) {
            s.append(" per-round ratio median (min–max) |");
        }
        if (servers.size() == 2) {
            s.append(' ').append(headings.get(0)).append(" / ").append(headings.get(1)).append(" |");
        }
        s.append('\n').append("|---|---|");
        s.append("---:|---:|".repeat(servers.size()));
        if (paired) {
            s.append("---:|");
        }
        if (servers.size() == 2) {
            s.append("---:|");
        }
        s.append('\n');
        String section = null;
        for (Map.Entry<String, Figure> entry : figures.entrySet()) {
            Figure f = entry.getValue();
            if (servers.stream().allMatch(sv -> f.samples(sv).isEmpty())) {
                continue;
            }
            if (!f.section.equals(section)) {
                section = f.section;
                s.append("| **").append(section).append("** | |").append(" | |".repeat(servers.size()));
                if (paired) {
                    s.append(" |");
                }
                if (servers.size() == 2) {
                    s.append(" |");
                }
                s.append('\n');
            }
            s.append("| ").append(f.label).append(" | ").append(f.unit).append(" |");
            for (String sv : servers) {
                double[] v = Stats.array(f.samples(sv));
                s.append(' ').append(Stats.fmt(Stats.median(v), f.decimals)).append(" | ");
                s.append(v.length > 1 ? Stats.fmt(Stats.min(v), f.decimals) + "–" + Stats.fmt(Stats.max(v), f.decimals)
                        : "—").append(" |");
            }
            if (paired) {
                double[] r = !pairedFigures.test(entry.getKey()) ? new double[0] : pairedRatios(entry.getKey(), servers.get(0), servers.get(1));
                s.append(' ').append(r.length < 2 ? "—" : Stats.fmt(Stats.median(r), 2) + "× (" + Stats.fmt(Stats.min(r), 2)
                        + "–" + Stats.fmt(Stats.max(r), 2) + ")").append(" |");
            }
            if (servers.size() == 2) {
                double a = f.median(servers.get(0));
                double b = f.median(servers.get(1));
                s.append(' ').append(Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : Stats.fmt(a / b, 2) + "×").append(" |");
            }
            s.append('\n');
        }
        return s.toString();
    }
}
