package io.portcullis.itests;

import io.portcullis.api.PluginKind;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.ConfigurationAdmin;

import javax.inject.Inject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.*;

/** The appliance boots, its bundles run, and the UDP transport plugin can be swapped live. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ApplianceIT extends PortcullisTestSupport {

    private static final String UDP_BUNDLE = "io.portcullis.transport.udp";
    private static final String UDP_FILTER = PluginKind.TRANSPORT.filter("udp");

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Test
    public void everyPortcullisBundleIsActive() {
        int seen = 0;
        for (Bundle bundle : bundleContext.getBundles()) {
            if (bundle.getSymbolicName() != null && bundle.getSymbolicName().startsWith("io.portcullis.")) {
                assertEquals(bundle.getSymbolicName() + " is not active", Bundle.ACTIVE, bundle.getState());
                seen++;
            }
        }
        for (String expected : new String[]{"io.portcullis.api", UDP_BUNDLE, "io.portcullis.transport.tcp",
                "io.portcullis.auth.certificate", "io.portcullis.routing.tun", "io.portcullis.shell"}) {
            assertEquals(expected + " is not active", Bundle.ACTIVE, bundle(expected).getState());
        }
        assertTrue("expected at least 6 portcullis bundles, saw " + seen, seen >= 6);
    }

    @Test
    public void udpTransportAnswersOnItsConfiguredPort() throws Exception {
        Transport udp = awaitService(Transport.class, UDP_FILTER, 30);
        assertEchoes(udp, configuredUdpPort());
    }

    @Test
    public void pluginsCommandListsTheUdpTransport() throws Exception {
        awaitService(Transport.class, UDP_FILTER, 30);
        String out = execute("vpn:plugins");
        String row = rowFor(out, "udp");
        assertNotNull("vpn:plugins does not list udp:\n" + out, row);
        assertTrue(row, row.startsWith("transport"));
        assertTrue(row, row.contains(UDP_BUNDLE));
        assertTrue(row, row.contains("Active"));
        assertTrue(row, row.contains(String.valueOf(bundle(UDP_BUNDLE).getBundleId())));

        for (String[] kindAndName : new String[][]{{"transport", "tcp"}, {"authenticator", "certificate"}, {"routing", "tun"}}) {
            String line = rowFor(out, kindAndName[1]);
            assertNotNull("vpn:plugins does not list " + kindAndName[1] + ":\n" + out, line);
            assertTrue(line, line.startsWith(kindAndName[0]));
        }

        String onlyRouting = execute("vpn:plugins --kind routing");
        assertNull("--kind routing still shows the udp transport:\n" + onlyRouting, rowFor(onlyRouting, "udp"));
    }

    @Test
    public void endpointsCommandShowsTheShippedEndpointAndWhyItWaits() throws Exception {
        String out = execute("vpn:endpoints");
        String row = out.lines().filter(l -> l.startsWith("main ")).findFirst().orElse(null);
        assertNotNull("vpn:endpoints does not list the shipped endpoint 'main':\n" + out, row);
        assertTrue(row, row.contains("udp"));
        assertTrue(row, row.contains("10.8.0.0/22"));
        // The itests point it at a routing engine that does not exist, so it must say what it waits for.
        assertTrue(row, row.contains("waiting for plugins") && row.contains("routing engine 'not-in-itests'"));

        String connections = execute("vpn:connections main");
        String header = connections.lines().findFirst().orElse("");
        for (String column : new String[]{"ID", "Endpoint", "User", "Client IP", "Device IP", "Started", "Bytes in", "Bytes out", "Cipher"}) {
            assertTrue(column + " missing in the header of vpn:connections: " + header, header.contains(column));
        }
        try {
            execute("vpn:connections nonesuch");
            fail("an unknown endpoint must be an error");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no endpoint 'nonesuch'") && e.getMessage().contains("main"));
        }
    }

    @Test
    public void stoppingTheTransportBundleRemovesItAndStartingRestoresIt() throws Exception {
        Bundle udpBundle = bundle(UDP_BUNDLE);
        awaitService(Transport.class, UDP_FILTER, 30);
        udpBundle.stop();
        try {
            assertFalse("udp transport still registered after its bundle stopped", hasService(Transport.class, UDP_FILTER));
            String out = execute("vpn:plugins");
            assertNull("vpn:plugins still lists udp after stop:\n" + out, rowFor(out, "udp"));
        } finally {
            udpBundle.start();
        }
        Transport udp = awaitService(Transport.class, UDP_FILTER, 30);
        assertNotNull(rowFor(execute("vpn:plugins"), "udp"));
        assertEchoes(udp, configuredUdpPort());
    }

    @Test
    public void updatingTheTransportBundleInPlaceKeepsItWorking() throws Exception {
        Bundle udpBundle = bundle(UDP_BUNDLE);
        long serviceIdBefore = (Long) bundleContext.getServiceReferences(Transport.class, UDP_FILTER)
                .iterator().next().getProperty("service.id");
        udpBundle.update();
        Transport udp = awaitService(Transport.class, UDP_FILTER, 30);
        long serviceIdAfter = (Long) bundleContext.getServiceReferences(Transport.class, UDP_FILTER)
                .iterator().next().getProperty("service.id");
        assertNotEquals("the update did not re-register the transport", serviceIdBefore, serviceIdAfter);
        assertEquals(Bundle.ACTIVE, udpBundle.getState());
        assertEchoes(udp, configuredUdpPort());
        assertTrue(rowFor(execute("vpn:plugins"), "udp").contains("Active"));
    }

    @Test
    public void aPluginJarDroppedIntoDeployAppearsAndDisappears() throws Exception {
        var deploy = java.nio.file.Path.of(System.getProperty("karaf.base"), "deploy");
        var jar = deploy.resolve("portcullis-deployed-authenticator.jar");
        DeployedPluginJar.write(jar);
        try {
            await("the deployed authenticator in vpn:plugins", 30,
                    () -> rowFor(executeQuietly("vpn:plugins"), DeployedPluginJar.NAME) != null);
            String row = rowFor(execute("vpn:plugins --kind authenticator"), DeployedPluginJar.NAME);
            assertTrue(row, row.startsWith("authenticator"));
            assertTrue(row, row.contains(DeployedPluginJar.SYMBOLIC_NAME));
            assertTrue(row, row.contains("Active"));
        } finally {
            java.nio.file.Files.deleteIfExists(jar);
        }
        await("the removed authenticator to leave vpn:plugins", 30,
                () -> rowFor(executeQuietly("vpn:plugins"), DeployedPluginJar.NAME) == null);
    }

    private String executeQuietly(String command) {
        try {
            return execute(command);
        } catch (Exception e) {
            return "";
        }
    }

    private int configuredUdpPort() throws Exception {
        Object port = configurationAdmin.getConfiguration("io.portcullis.transport.udp", null)
                .getProperties().get("port");
        return Integer.parseInt(String.valueOf(port));
    }

    /** The line of a vpn:plugins table whose Name column is {@code name}, or null. */
    static String rowFor(String table, String name) {
        for (String line : table.split("\\R")) {
            String[] cells = line.split("\\|");
            if (cells.length > 2 && cells[1].trim().equals(name)) {
                return line;
            }
        }
        return null;
    }

    /** Binds the transport on its default address, sends a datagram to that port and expects it back. */
    private static void assertEchoes(Transport udp, int port) throws Exception {
        PacketReceiver echo = (binding, peer, packet) -> binding.send(peer, packet);
        TransportBinding binding = udp.bind(null, echo).toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            assertEquals(port, binding.localAddress().getPort());
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                client.setSoTimeout(5000);
                byte[] out = "portcullis?".getBytes(StandardCharsets.US_ASCII);
                client.send(new DatagramPacket(out, out.length,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
                DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                client.receive(reply);
                assertEquals("portcullis?", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
            }
        } finally {
            binding.close();
        }
    }
}
