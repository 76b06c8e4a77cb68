package io.portcullis.routing.tun;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static io.portcullis.routing.tun.TestConfigs.config;
import static org.junit.jupiter.api.Assertions.*;

class TunRoutingSettingsTest {

    @Test
    void defaultsAreValid() {
        TunRoutingSettings settings = TunRoutingSettings.from(TestConfigs.defaults());
        assertEquals("pcl", settings.interfacePrefix());
        assertTrue(settings.sourceNat());
        assertEquals(Optional.empty(), settings.natOutInterface());
        assertEquals(1, settings.readerThreads());
        assertTrue(settings.ipForwarding());
        assertTrue(settings.offloads());
        assertEquals("ip", settings.ipCommand());
        assertEquals("nft", settings.nftCommand());
    }

    @Test
    void valuesAreTrimmed() {
        TunRoutingSettings settings = TunRoutingSettings.from(
                config(" vpn ", true, " eth0 ", 4, false, " /usr/sbin/ip ", "nft"));
        assertEquals("vpn", settings.interfacePrefix());
        assertEquals(Optional.of("eth0"), settings.natOutInterface());
        assertEquals("/usr/sbin/ip", settings.ipCommand());
        assertFalse(TunRoutingSettings.from(config("pcl", true, "", 1, true, false, "ip", "nft")).offloads());
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertRefused("interfacePrefix:", config("", true, "", 1, true, "ip", "nft"));
        assertRefused("interfacePrefix:", config("9pcl", true, "", 1, true, "ip", "nft"));
        assertRefused("interfacePrefix:", config("averyverylongprefix", true, "", 1, true, "ip", "nft"));
        assertRefused("interfacePrefix:", config("pc l", true, "", 1, true, "ip", "nft"));
        assertRefused("interfacePrefix:", config("pcl%d", true, "", 1, true, "ip", "nft"));
        assertRefused("natOutInterface:", config("pcl", true, "eth0\" accept", 1, true, "ip", "nft"));
        assertRefused("natOutInterface:", config("pcl", true, "a-name-longer-than-15", 1, true, "ip", "nft"));
        assertRefused("readerThreads:", config("pcl", true, "", 0, true, "ip", "nft"));
        assertRefused("readerThreads:", config("pcl", true, "", 17, true, "ip", "nft"));
        assertRefused("ipCommand:", config("pcl", true, "", 1, true, "ip; rm -rf /", "nft"));
        assertRefused("nftCommand:", config("pcl", true, "", 1, true, "ip", ""));
    }

    @Test
    void theComponentRefusesBadSettingsWhenActivated() {
        assertRefused("readerThreads:", () -> new TunRoutingEngine(config("pcl", true, "", 99, true, "ip", "nft")));
    }

    private static void assertRefused(String prefix, TunRoutingConfig config) {
        assertRefused(prefix, () -> TunRoutingSettings.from(config));
    }

    private static void assertRefused(String prefix, org.junit.jupiter.api.function.Executable action) {
        String message = assertThrows(IllegalArgumentException.class, action).getMessage();
        assertTrue(message.startsWith(prefix), message);
    }
}
