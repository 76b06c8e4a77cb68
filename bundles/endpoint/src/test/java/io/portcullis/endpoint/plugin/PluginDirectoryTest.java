package io.portcullis.endpoint.plugin;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class PluginDirectoryTest {

    @Test
    void theHighestRankingServiceOfANameWinsAndLosingItFallsBack() {
        PluginDirectory<String> directory = new PluginDirectory<>();
        List<String> changes = new ArrayList<>();
        directory.onChange((name, service) -> changes.add(name + "=" + service.orElse("-")));

        directory.add("udp", "old", 0, 10);
        directory.add("udp", "new", 5, 11);
        directory.add("udp", "third", 0, 12);
        assertEquals(Optional.of("new"), directory.find("udp"));
        directory.remove("udp", 11);
        assertEquals(Optional.of("old"), directory.find("udp"), "equal ranking: the older service id wins");
        directory.remove("udp", 10);
        directory.remove("udp", 12);
        assertTrue(directory.find("udp").isEmpty());
        assertEquals(List.of("udp=old", "udp=new", "udp=old", "udp=third", "udp=-"), changes);
    }

    @Test
    void namesAreIndependent() {
        PluginDirectory<String> directory = new PluginDirectory<>();
        directory.add("udp", "u", 0, 1);
        directory.add("tcp", "t", 0, 2);
        directory.remove("udp", 1);
        assertEquals(Optional.of("t"), directory.find("tcp"));
        assertTrue(directory.find("udp").isEmpty());
    }
}
