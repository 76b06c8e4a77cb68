package io.portcullis.handler.clientversion;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenVpnVersionTest {

    private static OpenVpnVersion v(String text) {
        return OpenVpnVersion.parse(text).orElseThrow(() -> new AssertionError("not parsed: " + text));
    }

    @Test
    void parsesReleasedVersions() {
        assertEquals(new OpenVpnVersion(2, 6, 3), v("2.6.3"));
        assertEquals(new OpenVpnVersion(2, 5, 11), v("2.5.11"));
        assertEquals(new OpenVpnVersion(2, 4, 7), v(" 2.4.7 "));
        assertEquals("2.6.3", v("2.6.3").toString());
    }

    @Test
    void missingComponentsAreZero() {
        assertEquals(new OpenVpnVersion(2, 6, 0), v("2.6"));
        assertEquals(new OpenVpnVersion(2, 0, 0), v("2"));
        assertEquals(0, v("2.5").compareTo(v("2.5.0")));
    }

    @Test
    void developmentBuildsUseTheirLeadingNumbers() {
        assertEquals(new OpenVpnVersion(2, 6, 0), v("2.6_git"));
        assertEquals(new OpenVpnVersion(2, 7, 0), v("2.7_alpha1"));
        assertEquals(new OpenVpnVersion(2, 6, 0), v("2.6.0_rc2"));
        assertEquals(new OpenVpnVersion(2, 6, 3), v("2.6.3.1"));
    }

    @Test
    void openVpn3VersionsAreThreeZeroZero() {
        assertEquals(new OpenVpnVersion(3, 0, 0), v("3.git::58b92569"));
        assertEquals(new OpenVpnVersion(3, 0, 0), v("3.git:released:4a7b1a8e:Release"));
        assertTrue(v("3.git::58b92569").compareTo(v("2.6.3")) > 0);
    }

    @Test
    void aVersionThatDoesNotStartWithANumberIsUnknown() {
        assertEquals(Optional.empty(), OpenVpnVersion.parse(null));
        assertEquals(Optional.empty(), OpenVpnVersion.parse(""));
        assertEquals(Optional.empty(), OpenVpnVersion.parse("   "));
        assertEquals(Optional.empty(), OpenVpnVersion.parse("git"));
        assertEquals(Optional.empty(), OpenVpnVersion.parse("v2.6.3"));
        assertEquals(Optional.empty(), OpenVpnVersion.parse(".2.6"));
        assertEquals(Optional.empty(), OpenVpnVersion.parse("99999999999.1"));
        assertEquals(Optional.empty(), OpenVpnVersion.parse("2.99999999999"));
    }

    @Test
    void ordersNumericallyNotAlphabetically() {
        List<OpenVpnVersion> sorted = new ArrayList<>(List.of(v("2.5.11"), v("3.git::1"), v("2.6_git"), v("2.5.9"),
                v("2.4.7"), v("2.6.3"), v("2.10.0")));
        sorted.sort(null);
        assertEquals(List.of(v("2.4.7"), v("2.5.9"), v("2.5.11"), v("2.6.0"), v("2.6.3"), v("2.10.0"), v("3.0.0")), sorted);
        assertTrue(v("2.4.7").isOlderThan(v("2.5.0")));
        assertTrue(!v("2.5.0").isOlderThan(v("2.5")));
        assertTrue(v("2.6_git").isOlderThan(v("2.6.1")));
    }

    @Test
    void strictParsingIsForOperatorsValues() {
        assertEquals(Optional.of(new OpenVpnVersion(2, 5, 0)), OpenVpnVersion.parseStrict("2.5.0"));
        assertEquals(Optional.of(new OpenVpnVersion(2, 5, 0)), OpenVpnVersion.parseStrict("2.5"));
        assertEquals(Optional.empty(), OpenVpnVersion.parseStrict("2.x"));
        assertEquals(Optional.empty(), OpenVpnVersion.parseStrict("2.6_git"));
        assertEquals(Optional.empty(), OpenVpnVersion.parseStrict("2.5.0.1"));
        assertEquals(Optional.empty(), OpenVpnVersion.parseStrict("2..5"));
    }
}
