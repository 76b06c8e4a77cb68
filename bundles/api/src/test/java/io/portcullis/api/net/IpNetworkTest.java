package io.portcullis.api.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.*;

class IpNetworkTest {

    @Test
    void normalisesHostBitsAndMatchesMembers() throws Exception {
        IpNetwork net = IpNetwork.parse("10.8.3.77/22");
        assertEquals("10.8.0.0/22", net.toString());
        assertTrue(net.contains(InetAddress.getByName("10.8.3.255")));
        assertFalse(net.contains(InetAddress.getByName("10.8.4.0")));
        assertEquals(1024, net.size());
    }

    @Test
    void ipv6AndFamiliesDoNotMix() throws Exception {
        IpNetwork net = IpNetwork.parse("fd00:abcd::1/64");
        assertEquals("fd00:abcd:0:0:0:0:0:0/64", net.toString());
        assertFalse(net.isIpv4());
        assertFalse(net.contains(InetAddress.getByName("10.0.0.1")));
        assertTrue(net.contains(InetAddress.getByName("fd00:abcd::ffff")));
    }

    @Test
    void bareAddressIsHostNetwork() {
        assertEquals(32, IpNetwork.parse("192.0.2.1").prefixLength());
    }

    @Test
    void addressLiteralsOnlyNeverHostNames() throws Exception {
        assertEquals(InetAddress.getByName("192.0.2.7"), IpNetwork.parseAddress(" 192.0.2.7 "));
        assertEquals(InetAddress.getByName("::1"), IpNetwork.parseAddress("::1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IpNetwork.parseAddress("localhost"))
                .getMessage().contains("host names are not accepted"));
        assertThrows(IllegalArgumentException.class, () -> IpNetwork.parseAddress(null));
        assertThrows(IllegalArgumentException.class, () -> IpNetwork.parseAddress("10.0.0.0/8"));
    }

    @Test
    void refusesWhatIsNotACidrWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse("10.0.0.0/33"))
                .getMessage().contains("0..32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse("example.com/24"))
                .getMessage().contains("not an IP address literal"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse("10.0.0.0/x"))
                .getMessage().contains("prefix length"));
        assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse(""));
        assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse("300.1.1.1/8"));
    }
}
