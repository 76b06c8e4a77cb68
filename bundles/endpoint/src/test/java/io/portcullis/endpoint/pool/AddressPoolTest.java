package io.portcullis.endpoint.pool;

import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class AddressPoolTest {

    @Test
    void dualStackPairsTheNthIpv4AddressWithTheNthIpv6One() throws Exception {
        AddressPool pool = new AddressPool(IpNetwork.parse("10.8.0.0/24"),
                java.util.Optional.of(IpNetwork.parse("fd00:8::/112")));
        assertEquals(InetAddress.getByName("fd00:8::1"), pool.gatewayIpv6().orElseThrow());
        InetAddress v4 = pool.lease().orElseThrow();
        assertEquals(InetAddress.getByName("10.8.0.2"), v4);
        assertEquals(InetAddress.getByName("fd00:8::2"), pool.ipv6For(v4).orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> new AddressPool(IpNetwork.parse("10.8.0.0/16"),
                java.util.Optional.of(IpNetwork.parse("fd00:8::/120"))));
        assertTrue(new AddressPool(IpNetwork.parse("10.8.0.0/24")).ipv6For(v4).isEmpty());
    }

    @Test
    void leasesEveryHostButNetworkGatewayAndBroadcastOnce() throws Exception {
        AddressPool pool = new AddressPool(IpNetwork.parse("10.8.0.0/29"));
        assertEquals(InetAddress.getByName("10.8.0.1"), pool.gateway());
        assertEquals(5, pool.capacity());
        Set<InetAddress> seen = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            InetAddress a = pool.lease().orElseThrow();
            assertTrue(seen.add(a), "leased twice: " + a);
            assertTrue(pool.network().contains(a));
        }
        assertEquals(Set.of(InetAddress.getByName("10.8.0.2"), InetAddress.getByName("10.8.0.3"),
                InetAddress.getByName("10.8.0.4"), InetAddress.getByName("10.8.0.5"),
                InetAddress.getByName("10.8.0.6")), seen);
        assertTrue(pool.lease().isEmpty(), "an exhausted pool must say so");
        assertEquals(5, pool.leasedCount());
    }

    @Test
    void aReturnedAddressIsLeasedAgainButNotStraightAway() throws Exception {
        AddressPool pool = new AddressPool(IpNetwork.parse("10.8.0.0/24"));
        InetAddress first = pool.lease().orElseThrow();
        pool.release(first);
        assertEquals(0, pool.leasedCount());
        assertNotEquals(first, pool.lease().orElseThrow());
        for (int i = 0; i < 252; i++) {
            pool.lease().orElseThrow();
        }
        assertTrue(pool.lease().isEmpty());
        pool.release(first);
        assertEquals(first, pool.lease().orElseThrow());
    }

    @Test
    void releasingForeignOrReservedAddressesChangesNothing() throws Exception {
        AddressPool pool = new AddressPool(IpNetwork.parse("10.8.0.0/29"));
        pool.release(InetAddress.getByName("192.0.2.1"));
        pool.release(pool.gateway());
        pool.release(InetAddress.getByName("10.8.0.7"));
        assertEquals(0, pool.leasedCount());
        for (int i = 0; i < 5; i++) {
            assertNotEquals(pool.gateway(), pool.lease().orElseThrow());
        }
    }
}
