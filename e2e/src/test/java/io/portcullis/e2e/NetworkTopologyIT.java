package io.portcullis.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The harness's own guarantees: the topology it promises, and that close() leaves nothing behind. */
class NetworkTopologyIT {

    private static final Duration T = Duration.ofSeconds(10);

    @BeforeAll
    static void root() {
        E2eSupport.assumeRoot();
    }

    @Test
    void topologyAndCleanup() {
        Path work = E2eSupport.workDir("network");
        TestNetwork net = TestNetwork.create(work, 2);
        ManagedProcess sleeper;
        Processes p = net.processes();
        try {
            // each client reaches the appliance, and the clients reach each other over the bridge
            for (int i = 0; i < net.clientCount(); i++) {
                assertTrue(p.run(net.clientNamespace(i), T, "ping", "-c1", "-W2", TestNetwork.APPLIANCE_ADDRESS).ok());
            }
            // the private host and the appliance reach each other
            assertTrue(p.run(net.privateNamespace(), T, "ping", "-c1", "-W2", TestNetwork.PRIVATE_GATEWAY).ok());
            assertTrue(p.run(net.applianceNamespace(), T, "ping", "-c1", "-W2", TestNetwork.PRIVATE_HOST).ok());
            // without a tunnel a client has no route to the private network
            Processes.Result noRoute = p.run(net.clientNamespace(), T, "ping", "-c1", "-W1", TestNetwork.PRIVATE_HOST);
            assertNotEquals(0, noRoute.exitCode());
            assertEquals("1", p.check(net.applianceNamespace(), T, "sysctl", "-n", "net.ipv4.ip_forward").strip());
            sleeper = p.start("sleeper", net.clientNamespace(), List.of("sleep", "600"));
            assertTrue(sleeper.isAlive());
        } finally {
            net.close();
        }
        assertFalse(sleeper.isAlive(), "close() kills what was started in the network");
        String left = p.check(null, T, "ip", "netns", "list");
        assertFalse(left.contains(net.suffix()), "namespaces left behind: " + left);
    }
}
