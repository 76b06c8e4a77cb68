package io.portcullis.endpoint.plugin;

import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.BiConsumer;

/**
 * The plugins of one kind that are in the service registry now, by name. When two services share a
 * name the one with the highest service ranking (then the lowest service id) is the one used, so a
 * newer bundle registered with a higher ranking takes over without anyone restarting.
 *
 * @param <S> the plugin's service interface
 */
public final class PluginDirectory<S> {

    /** A registered plugin service and how it ranks. */
    public record Entry<S>(String name, S service, int ranking, long serviceId) {
    }

    private static final Comparator<Entry<?>> BEST_FIRST = Comparator
            .comparingInt((Entry<?> e) -> -e.ranking()).thenComparingLong(Entry::serviceId);

    private final Map<String, ConcurrentSkipListSet<Entry<S>>> byName = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, Optional<S>> listener = (name, service) -> { };

    /** Called with the name whose best service changed, and that service (empty when none is left). */
    public void onChange(BiConsumer<String, Optional<S>> listener) {
        this.listener = listener;
    }

    public void add(String name, S service, int ranking, long serviceId) {
        Optional<S> before = find(name);
        byName.computeIfAbsent(name, n -> new ConcurrentSkipListSet<>(BEST_FIRST))
                .add(new Entry<>(name, service, ranking, serviceId));
        notifyIfChanged(name, before);
    }

    public void remove(String name, long serviceId) {
        Optional<S> before = find(name);
        var entries = byName.get(name);
        if (entries != null) {
            entries.removeIf(e -> e.serviceId() == serviceId);
        }
        notifyIfChanged(name, before);
    }

    /** The service to use for {@code name}, if one is registered. */
    public Optional<S> find(String name) {
        var entries = byName.get(name);
        if (entries == null || entries.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(entries.first().service());
        } catch (java.util.NoSuchElementException raced) {
            return Optional.empty();
        }
    }

    private void notifyIfChanged(String name, Optional<S> before) {
        Optional<S> after = find(name);
        if (before.orElse(null) != after.orElse(null)) {
            listener.accept(name, after);
        }
    }
}
