package io.portcullis.e2e.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
     * Markdown table: one row per figure measured for at least one server; per server the median
     * and min–max (a dash when there is one sample), and {@code servers[0] / servers[1]}.
     */
    String table(List<String> servers, List<String> headings) {
        StringBuilder s = new StringBuilder();
        s.append("| figure | unit |");
        for (String h : headings) {
            s.append(' ').append(h).append(" median | ").append(h).append(" min–max |");
        }
        if (servers.size() == 2) {
            s.append(' ').append(headings.get(0)).append(" / ").append(headings.get(1)).append(" |");
        }
        s.append('\n').append("|---|---|");
        s.append("---:|---:|".repeat(servers.size()));
        if (servers.size() == 2) {
            s.append("---:|");
        }
        s.append('\n');
        String section = null;
        for (Figure f : figures.values()) {
            if (servers.stream().allMatch(sv -> f.samples(sv).isEmpty())) {
                continue;
            }
            if (!f.section.equals(section)) {
                section = f.section;
                s.append("| **").append(section).append("** | |").append(" | |".repeat(servers.size()));
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
