package io.portcullis.itests;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.endpoint.VpnEndpoint;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import javax.inject.Inject;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import static org.junit.Assert.*;

/**
 * The vpn:* commands that manage endpoints, authorization rules, routes and CRLs, run through a
 * Karaf shell session. The endpoints made here listen on 127.0.0.1 and wait for a routing engine that
 * does not exist, like the shipped one in the itests, so nothing touches the machine's network.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EndpointCommandsIT extends PortcullisTestSupport {

    @Inject
    private ConfigurationAdmin configurationAdmin;

    /** Options that keep an endpoint made here on loopback and off the network. */
    private static String offline() {
        return " --listen 127.0.0.1 --port " + freeTcpPort() + " --set routing=not-in-itests";
    }

    @Test
    public void createModifyAndDeleteAnEndpoint() throws Exception {
        awaitShippedEndpoint();
        String created = execute("vpn:endpoint-create lab1" + offline() + " --set dnsServers=10.0.0.2");
        assertTrue(created, created.contains("Created endpoint lab1"));
        assertTrue(created, created.contains("listenAddress = 127.0.0.1") && created.contains("dnsServers = 10.0.0.2"));
        assertTrue("create should report the state it waits in:\n" + created,
                created.contains("Endpoint lab1: waiting for plugins") && created.contains("not-in-itests"));
        String row = rowOf(execute("vpn:endpoints"), "lab1");
        assertNotNull(row);
        assertTrue(row, row.contains("127.0.0.1:") && row.contains("10.8.0.0/22"));

        Configuration configuration = configuration("lab1");
        assertEquals("io.portcullis.endpoint~lab1", configuration.getPid());
        assertEquals("10.0.0.2", configuration.getProperties().get("dnsServers"));
        // Kept in etc/ like a configuration that came from a file.
        Path file = Path.of(System.getProperty("karaf.etc"), "io.portcullis.endpoint-lab1.cfg");
        assertTrue(file + " not written", Files.isRegularFile(file));
        assertTrue(read(file), read(file).matches("(?s).*dnsServers\\s*=\\s*10\\.0\\.0\\.2.*"));

        assertFails("exists already", "vpn:endpoint-create lab1" + offline());
        assertFails("not a valid endpoint name", "vpn:endpoint-create bad.name" + offline());
        assertFails("not a valid endpoint name", "vpn:endpoint-create a123456789012345678901234567890123");
        String unknown = assertFails("unknown setting 'vpnPorts'", "vpn:endpoint-create lab9 --set vpnPorts=1");
        assertTrue("the error should list the settings: " + unknown,
                unknown.contains("vpnPort") && unknown.contains("splitTunnel") && unknown.contains("clientIpv6CidrBlock"));
        assertFalse(configurationExists("lab9"));

        String modified = execute("vpn:endpoint-modify lab1 --set dnsServers=10.0.0.3 --set clientLoginBanner=Welcome --set splitTunnel=false");
        assertTrue(modified, modified.contains("dnsServers = 10.0.0.3 (was 10.0.0.2)") && modified.contains("Endpoint lab1: "));
        assertEquals("Welcome", configuration("lab1").getProperties().get("clientLoginBanner"));
        await("the endpoint to take up splitTunnel=false", 5, () -> endpoint("lab1").map(e -> !e.splitTunnel()).orElse(false));
        await("Karaf to write the change to " + file, 5, () -> read(file).matches("(?s).*dnsServers\\s*=\\s*10\\.0\\.0\\.3.*"));
        String unset = execute("vpn:endpoint-modify --unset dnsServers lab1");
        assertTrue(unset, unset.contains("dnsServers back to its default (was 10.0.0.3)"));
        assertNull(configuration("lab1").getProperties().get("dnsServers"));
        assertFails("nothing to change", "vpn:endpoint-modify lab1");
        assertFails("unknown setting 'nonesuch'", "vpn:endpoint-modify lab1 --set nonesuch=1");
        assertFails("no endpoint 'nonesuch'", "vpn:endpoint-modify nonesuch --set dnsServers=10.0.0.2");
        assertFails("no endpoint 'nonesuch'", "vpn:endpoint-delete nonesuch");

        String deleted = execute("vpn:endpoint-delete lab1");
        assertTrue(deleted, deleted.contains("Deleted endpoint lab1"));
        assertFalse(configurationExists("lab1"));
        await("lab1 to leave vpn:endpoints", 10, () -> rowOf(executeQuietly("vpn:endpoints"), "lab1") == null);
        await(file + " to be removed", 5, () -> !Files.exists(file));
    }

    @Test
    public void anEndpointRefusesABadSettingAndCreateSaysWhy() throws Exception {
        awaitShippedEndpoint();
        try {
            // The endpoint refuses it ("vpnPort: ...") and create passes that on at once.
            String refusal = assertFails("vpnPort",
                    "vpn:endpoint-create lab5 --listen 127.0.0.1 --set routing=not-in-itests --port seventy");
            assertTrue(refusal, refusal.contains("vpn:endpoint-modify lab5"));
        } finally {
            executeQuietly("vpn:endpoint-delete lab5");
        }
    }

    @Test
    public void authorizationRulesAreAddedListedExplainedAndRevoked() throws Exception {
        awaitShippedEndpoint();
        execute("vpn:endpoint-create lab2" + offline());
        String added = execute("vpn:authorize lab2 10.1.0.0/16 --group engineering --description 'Build servers'");
        assertTrue(added, added.contains("rule #1"));
        execute("vpn:authorize lab2 10.1.2.0/24 --all-users");
        execute("vpn:authorize --group ops lab2 0.0.0.0/0");
        assertEquals("10.1.0.0/16|group=engineering|Build servers",
                configuration("lab2").getProperties().get(AuthorizationRule.PROPERTY_PREFIX + "1"));

        assertFails("already lets group=engineering reach 10.1.0.0/16 (rule #1)",
                "vpn:authorize lab2 10.1.0.0/16 --group engineering");
        assertFails("'10.1.0/16'", "vpn:authorize lab2 10.1.0/16 --group engineering");
        assertFails("exactly one of --group <name> and --all-users", "vpn:authorize lab2 10.9.0.0/16 --group a --all-users");
        assertFails("exactly one of --group <name> and --all-users", "vpn:authorize lab2 10.9.0.0/16");
        assertFails("no endpoint 'nonesuch'", "vpn:authorize nonesuch 10.9.0.0/16 --all-users");

        String table = execute("vpn:authorizations lab2");
        List<String> rows = table.lines().filter(l -> l.contains("|")).skip(1).toList();
        assertEquals(table, 3, rows.size());
        assertTrue(table, rows.get(0).contains("10.1.0.0/16") && rows.get(0).contains("group=engineering")
                && rows.get(0).contains("Build servers"));
        assertTrue(table, rows.get(1).contains("10.1.2.0/24") && rows.get(1).contains("all-users"));
        assertTrue(table, rows.get(2).contains("0.0.0.0/0") && rows.get(2).contains("group=ops"));
        String onlyEngineering = execute("vpn:authorizations lab2 --group engineering");
        assertTrue(onlyEngineering, onlyEngineering.contains("10.1.0.0/16") && onlyEngineering.contains("all-users")
                && !onlyEngineering.contains("group=ops"));

        // The endpoint takes up the rules: the longest prefix decides, 0.0.0.0/0 last (and traffic needs a route).
        execute("vpn:route-add lab2 10.0.0.0/8");
        String allowed = awaitOutput("vpn:authz-explain lab2 10.1.5.5 --group engineering", o -> o.startsWith("ALLOWED"));
        assertTrue(allowed, allowed.contains("Deciding network: 10.1.0.0/16") && allowed.contains("Build servers"));
        assertTrue(allowed, allowed.lines().anyMatch(l -> l.contains("*") && l.contains("group=engineering")));
        String denied = execute("vpn:authz-explain --group ops --group sales lab2 10.1.5.5");
        assertTrue(denied, denied.startsWith("DENIED") && denied.contains("Deciding network: 10.1.0.0/16"));
        assertFalse("no rule lets ops or sales in:\n" + denied, denied.lines().anyMatch(l -> l.startsWith("*")));
        String fallback = execute("vpn:authz-explain lab2 10.77.0.1 --group ops");
        assertTrue(fallback, fallback.startsWith("ALLOWED") && fallback.contains("0.0.0.0/0"));
        String allUsers = execute("vpn:authz-explain lab2 10.1.2.3 --group nobody");
        assertTrue(allUsers, allUsers.startsWith("ALLOWED") && allUsers.contains("10.1.2.0/24"));
        String noConnection = assertFails("--group", "vpn:authz-explain lab2 alice 10.1.5.5");
        assertTrue(noConnection, noConnection.contains("alice"));
        assertFails("not an IP address", "vpn:authz-explain lab2 10.1.5 --group ops");

        String revoked = execute("vpn:revoke-authorization lab2 10.1.0.0/16 --group engineering");
        assertTrue(revoked, revoked.contains("Revoked rule #1"));
        awaitOutput("vpn:authz-explain lab2 10.1.5.5 --group engineering", o -> o.startsWith("DENIED"));
        execute("vpn:authorize lab2 10.1.0.0/16 --group hr");
        assertEquals("a new rule takes the highest number + 1", "10.1.0.0/16|group=hr|",
                configuration("lab2").getProperties().get(AuthorizationRule.PROPERTY_PREFIX + "4"));
        String none = assertFails("no rule for group=engineering on 10.1.0.0/16",
                "vpn:revoke-authorization lab2 10.1.0.0/16 --group engineering");
        assertTrue("the error should list the rules of that network: " + none, none.contains("#4 group=hr"));
        assertFails("no rule for all-users on 10.200.0.0/16", "vpn:revoke-authorization lab2 10.200.0.0/16 --all-users");
        execute("vpn:endpoint-delete lab2");
    }

    @Test
    public void routesAreAddedListedAndDeleted() throws Exception {
        awaitShippedEndpoint();
        execute("vpn:endpoint-create lab3" + offline());
        String added = execute("vpn:route-add lab3 10.2.0.0/16 --description 'Office LAN'");
        assertTrue(added, added.contains("route #1") && added.contains("via local"));
        execute("vpn:route-add lab3 10.3.0.0/16 --target 192.168.1.1");
        execute("vpn:route-add --target eth0 lab3 fd00:1::/64");
        assertFails("has a route to 10.2.0.0/16 already", "vpn:route-add lab3 10.2.0.0/16 --target eth1");
        assertFails("target", "vpn:route-add lab3 10.4.0.0/16 --target 'not an interface'");
        assertFails("prefix length 33", "vpn:route-add lab3 10.2.0.0/33");

        String table = execute("vpn:routes lab3");
        List<String> rows = table.lines().filter(l -> l.contains("|")).skip(1).toList();
        assertEquals(table, 3, rows.size());
        assertTrue(table, rows.get(0).contains("10.2.0.0/16") && rows.get(0).contains("local") && rows.get(0).contains("Office LAN"));
        assertTrue(table, rows.get(1).contains("10.3.0.0/16") && rows.get(1).contains("192.168.1.1"));
        assertTrue(table, rows.get(2).contains("fd00:1:0:0:0:0:0:0/64") || rows.get(2).contains("fd00:1::/64"));
        await("the endpoint to take up its three routes", 5,
                () -> endpoint("lab3").map(e -> e.routes().size() == 3).orElse(false));

        String deleted = execute("vpn:route-delete lab3 10.3.0.0/16");
        assertTrue(deleted, deleted.contains("Deleted route #2"));
        assertNull(configuration("lab3").getProperties().get(Route.PROPERTY_PREFIX + "2"));
        assertFails("no route to 10.3.0.0/16", "vpn:route-delete lab3 10.3.0.0/16");
        await("the endpoint to drop the route", 5, () -> endpoint("lab3").map(e -> e.routes().size() == 2).orElse(false));
        execute("vpn:endpoint-delete lab3");
    }

    @Test
    public void aCrlSignedByTheClientCaIsImportedAndOneFromAnotherCaRefused() throws Exception {
        awaitShippedEndpoint();
        Path dir = Files.createTempDirectory("portcullis-crl-it");
        KeyPair caKeys = ecKeys();
        X509Certificate ca = caCertificate("CN=Portcullis itest CA", caKeys);
        Path caFile = dir.resolve("ca.crt");
        Files.writeString(caFile, pem("CERTIFICATE", ca.getEncoded()), StandardCharsets.US_ASCII);
        execute("vpn:endpoint-create lab4" + offline() + " --set clientRootCertificateChain=" + caFile);
        await("lab4 to read its CA", 5, () -> endpoint("lab4").map(e -> e.clientRootCertificateChainFile().endsWith("ca.crt")).orElse(false));

        Path crlFile = dir.resolve("ca.crl");
        Files.writeString(crlFile, pem("X509 CRL", crl("CN=Portcullis itest CA", caKeys.getPrivate(), 3)), StandardCharsets.US_ASCII);
        String imported = execute("vpn:import-crl lab4 " + crlFile);
        assertTrue(imported, imported.contains("3 revoked") && imported.contains("CN=Portcullis itest CA")
                && imported.contains("next update"));
        Path installed = Path.of(System.getProperty("karaf.home"), "etc/pki/lab4-crl.pem");
        assertTrue(installed + " not written", Files.isRegularFile(installed));
        X509CRL read = (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(Files.readAllBytes(installed)));
        assertEquals(3, read.getRevokedCertificates().size());
        assertEquals("etc/pki/lab4-crl.pem", configuration("lab4").getProperties().get("clientCertificateRevocationList"));
        await("lab4 to name its CRL", 5, () -> endpoint("lab4")
                .flatMap(VpnEndpoint::certificateRevocationListFile).map(f -> f.endsWith("lab4-crl.pem")).orElse(false));

        // DER works too, and replaces the file the endpoint reads.
        Path der = dir.resolve("ca-5.der");
        Files.write(der, crl("CN=Portcullis itest CA", caKeys.getPrivate(), 5));
        assertTrue(execute("vpn:import-crl lab4 " + der).contains("5 revoked"));
        assertEquals(5, ((X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(Files.readAllBytes(installed)))).getRevokedCertificates().size());

        // Same name, other key: the signature does not verify.
        Path forged = dir.resolve("forged.crl");
        Files.write(forged, crl("CN=Portcullis itest CA", ecKeys().getPrivate(), 1));
        assertFails("does not verify", "vpn:import-crl lab4 " + forged);
        // Another CA altogether.
        Path other = dir.resolve("other.crl");
        Files.write(other, crl("CN=Some other CA", ecKeys().getPrivate(), 1));
        String refused = assertFails("not a client CA of endpoint lab4", "vpn:import-crl lab4 " + other);
        assertTrue(refused, refused.contains("CN=Some other CA"));
        assertEquals("a refused CRL must leave the installed one alone", 5, ((X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(Files.readAllBytes(installed)))).getRevokedCertificates().size());
        assertFails("not a PEM or DER X.509 CRL", "vpn:import-crl lab4 " + caFile);
        assertFails("does not exist", "vpn:import-crl lab4 " + dir.resolve("missing.crl"));
        execute("vpn:endpoint-delete lab4");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The shipped endpoint is up, so its first-start PKI (shared by the endpoints made here) exists. */
    private void awaitShippedEndpoint() throws Exception {
        await("the shipped endpoint in vpn:endpoints", 60, () -> rowOf(executeQuietly("vpn:endpoints"), "main") != null);
    }

    private String assertFails(String expected, String command) {
        try {
            String out = execute(command);
            fail(command + " should fail with '" + expected + "' but printed:\n" + out);
            return null;
        } catch (Exception e) {
            String message = String.valueOf(e.getMessage());
            assertTrue(command + " failed, but without '" + expected + "': " + message, message.contains(expected));
            return message;
        }
    }

    private String awaitOutput(String command, java.util.function.Predicate<String> wanted) throws Exception {
        String[] last = {""};
        Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
        while (Instant.now().isBefore(deadline)) {
            last[0] = executeQuietly(command);
            if (wanted.test(last[0])) {
                return last[0];
            }
            Thread.sleep(200);
        }
        fail(command + " did not give the expected answer within 5 s; last:\n" + last[0]);
        return null;
    }

    private String executeQuietly(String command) {
        try {
            return execute(command);
        } catch (Exception e) {
            return "";
        }
    }

    private Optional<VpnEndpoint> endpoint(String id) {
        try {
            for (ServiceReference<VpnEndpoint> ref : bundleContext.getServiceReferences(VpnEndpoint.class, null)) {
                VpnEndpoint endpoint = bundleContext.getService(ref);
                if (endpoint != null && id.equals(endpoint.id())) {
                    return Optional.of(endpoint);
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private Configuration configuration(String name) throws Exception {
        Configuration[] found = configurationAdmin.listConfigurations("(service.pid=io.portcullis.endpoint~" + name + ")");
        assertNotNull("no configuration of endpoint " + name, found);
        return found[0];
    }

    private boolean configurationExists(String name) throws Exception {
        return configurationAdmin.listConfigurations("(service.pid=io.portcullis.endpoint~" + name + ")") != null;
    }

    /** The line of a vpn:endpoints table for endpoint {@code name}, or null. */
    private static String rowOf(String table, String name) {
        return table.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse(null);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (Exception e) {
            return "";
        }
    }

    private static int freeTcpPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate caCertificate(String dn, KeyPair keys) throws Exception {
        X500Name name = new X500Name(dn);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }

    /** A DER CRL of {@code issuer} revoking {@code count} serial numbers. */
    private static byte[] crl(String issuer, PrivateKey key, int count) throws Exception {
        Date now = new Date();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(new X500Name(issuer), now);
        builder.setNextUpdate(Date.from(now.toInstant().plus(Duration.ofDays(7))));
        for (int i = 0; i < count; i++) {
            builder.addCRLEntry(BigInteger.valueOf(1000 + i), now, CRLReason.keyCompromise);
        }
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)).getEncoded();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
