package io.portcullis.handler.clientversion;

import io.portcullis.api.connect.ConnectionAttempt;
import io.portcullis.api.connect.ConnectionDecision;
import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientVersionHandlerTest {

    private static ClientVersionHandlerConfig config(String minimum, String platforms, boolean denyUnknown) {
        return new ClientVersionHandlerConfig() {
            @Override public Class<? extends Annotation> annotationType() { return ClientVersionHandlerConfig.class; }
            @Override public String minimumClientVersion() { return minimum; }
            @Override public String allowedPlatforms() { return platforms; }
            @Override public boolean denyUnknownVersion() { return denyUnknown; }
        };
    }

    private static ClientVersionHandler handler(String minimum, String platforms, boolean denyUnknown) {
        return new ClientVersionHandler(config(minimum, platforms, denyUnknown));
    }

    private static ConnectionAttempt attempt(String version, String platform) {
        Map<String, String> peerInfo = new HashMap<>();
        if (version != null) {
            peerInfo.put("IV_VER", version);
        }
        if (platform != null) {
            peerInfo.put("IV_PLAT", platform);
        }
        return new ConnectionAttempt("c-42", "main", Optional.of("alice"), "alice", Optional.ofNullable(platform),
                Optional.empty(), InetAddress.getLoopbackAddress(), Optional.ofNullable(version),
                ConnectionAttempt.SCHEMA_VERSION, Set.of("staff"), peerInfo);
    }

    private static ConnectionDecision check(ClientVersionHandler handler, ConnectionAttempt attempt) {
        var future = handler.check(attempt).toCompletableFuture();
        assertTrue(future.isDone(), "the stage must be completed");
        ConnectionDecision decision = future.join();
        assertTrue(decision.message().length() <= ConnectionDecision.MAX_MESSAGE);
        assertTrue(decision.postureStatuses().size() <= ConnectionDecision.MAX_POSTURE_STATUSES);
        decision.postureStatuses().forEach(status -> assertTrue(status.length() <= 64, status));
        return decision;
    }

    @Test
    void nameMatchesTheServiceProperty() {
        assertEquals("client-version", handler("", "", true).name());
        assertEquals("client-version", ClientVersionHandler.NAME);
    }

    @Test
    void defaultsAllowEverything() {
        ClientVersionHandler handler = new ClientVersionHandler(ClientVersionSettings.DEFAULTS);
        ConnectionDecision d = check(handler, attempt("2.6.3", "linux"));
        assertTrue(d.allowed());
        assertEquals("", d.message());
        assertEquals(List.of("client-version:2.6.3:ok", "platform:linux:ok"), d.postureStatuses());

        assertTrue(check(handler, attempt("1.0.0", "android")).allowed());
        d = check(handler, attempt(null, null));
        assertTrue(d.allowed());
        assertEquals(List.of("client-version:unknown:ok", "platform:unknown:ok"), d.postureStatuses());
        assertTrue(check(handler, attempt("garbage", "plan9")).allowed());
        assertEquals(ClientVersionSettings.DEFAULTS, ClientVersionSettings.from(config("", "", true)));
        assertEquals(ClientVersionSettings.DEFAULTS, ClientVersionSettings.from(config(null, null, true)));
    }

    @Test
    void deniesAnOlderVersionAndSaysWhatToDo() {
        ClientVersionHandler handler = handler("2.5.0", "", true);
        ConnectionDecision d = check(handler, attempt("2.4.7", "linux"));
        assertFalse(d.allowed());
        assertEquals("OpenVPN 2.4.7 is older than the minimum 2.5.0; update your VPN client", d.message());
        assertEquals(List.of("client-version:2.4.7:too-old", "platform:linux:ok"), d.postureStatuses());

        d = check(handler, attempt("2.6.3", "linux"));
        assertTrue(d.allowed());
        assertEquals(List.of("client-version:2.6.3:ok", "platform:linux:ok"), d.postureStatuses());
        assertTrue(check(handler, attempt("2.5.0", "win")).allowed());
        assertTrue(check(handler, attempt("2.5", "win")).allowed());
        assertTrue(check(handler, attempt("2.5.11", "win")).allowed());
        assertTrue(check(handler, attempt("2.6_git", "win")).allowed());
        assertTrue(check(handler, attempt("3.git:released:4a7b1a8e:Release", "ios")).allowed());
        assertFalse(check(handler("2.5.10", "", true), attempt("2.5.9", "win")).allowed());
        assertTrue(check(handler("2.5.10", "", true), attempt("2.5.11", "win")).allowed());
    }

    @Test
    void developmentVersionComparesByItsNumbers() {
        ConnectionDecision d = check(handler("2.6.1", "", true), attempt("2.6_git", "linux"));
        assertFalse(d.allowed());
        assertEquals("OpenVPN 2.6_git is older than the minimum 2.6.1; update your VPN client", d.message());
        assertEquals("client-version:2.6_git:too-old", d.postureStatuses().get(0));
    }

    @Test
    void unknownVersionIsDeniedWhenAMinimumIsSetUnlessAllowed() {
        ConnectionDecision d = check(handler("2.5.0", "", true), attempt(null, "linux"));
        assertFalse(d.allowed());
        assertEquals("your VPN client did not report its OpenVPN version and this endpoint requires 2.5.0 or newer;"
                + " update your VPN client", d.message());
        assertEquals(List.of("client-version:unknown:not-allowed", "platform:linux:ok"), d.postureStatuses());

        d = check(handler("2.5.0", "", true), attempt("git-master", "linux"));
        assertFalse(d.allowed());
        assertTrue(d.message().startsWith("OpenVPN version 'git-master' is not recognised"), d.message());

        d = check(handler("2.5.0", "", false), attempt(null, "linux"));
        assertTrue(d.allowed());
        assertEquals(List.of("client-version:unknown:ok", "platform:linux:ok"), d.postureStatuses());
        assertTrue(check(handler("2.5.0", "", false), attempt("git-master", "linux")).allowed());
        // Without a minimum, denyUnknownVersion has nothing to enforce.
        assertTrue(check(handler("", "", true), attempt(null, "linux")).allowed());
    }

    @Test
    void versionFromPeerInfoWhenTheFieldIsEmpty() {
        ConnectionAttempt attempt = new ConnectionAttempt("c-1", "main", Optional.empty(), "bob", Optional.empty(),
                Optional.empty(), InetAddress.getLoopbackAddress(), Optional.empty(), ConnectionAttempt.SCHEMA_VERSION,
                Set.of(), Map.of("IV_VER", "2.4.7", "IV_PLAT", "mac"));
        ConnectionDecision d = check(handler("2.5.0", "mac", true), attempt);
        assertFalse(d.allowed());
        assertEquals(List.of("client-version:2.4.7:too-old", "platform:mac:ok"), d.postureStatuses());
    }

    @Test
    void platformAllowListIsCaseInsensitive() {
        ClientVersionHandler handler = handler("", " Linux, WIN ,mac", true);
        assertTrue(check(handler, attempt("2.6.3", "linux")).allowed());
        assertTrue(check(handler, attempt("2.6.3", "LINUX")).allowed());
        ConnectionDecision d = check(handler, attempt("2.6.3", "Win"));
        assertTrue(d.allowed());
        assertEquals(List.of("client-version:2.6.3:ok", "platform:win:ok"), d.postureStatuses());

        d = check(handler, attempt("2.6.3", "android"));
        assertFalse(d.allowed());
        assertEquals("platform 'android' is not allowed on this endpoint (allowed: linux, win, mac)", d.message());
        assertEquals(List.of("client-version:2.6.3:ok", "platform:android:not-allowed"), d.postureStatuses());

        d = check(handler, attempt("2.6.3", null));
        assertFalse(d.allowed());
        assertEquals("your VPN client did not report its platform and this endpoint allows only linux, win, mac;"
                + " update your VPN client", d.message());
        assertEquals("platform:unknown:not-allowed", d.postureStatuses().get(1));
    }

    @Test
    void bothProblemsAreReported() {
        ConnectionDecision d = check(handler("2.5.0", "linux", true), attempt("2.4.7", "ios"));
        assertFalse(d.allowed());
        assertEquals("OpenVPN 2.4.7 is older than the minimum 2.5.0; update your VPN client; "
                + "platform 'ios' is not allowed on this endpoint (allowed: linux)", d.message());
        assertEquals(List.of("client-version:2.4.7:too-old", "platform:ios:not-allowed"), d.postureStatuses());
    }

    @Test
    void clientValuesAreSanitisedAndBounded() {
        String hostileVersion = "1.0'; DROP TABLE x; --\n" + "9".repeat(300);
        String hostilePlatform = "andr\u0000oid\r\n" + "x".repeat(500);
        ConnectionDecision d = check(handler("2.5.0", "linux", true), attempt(hostileVersion, hostilePlatform));
        assertFalse(d.allowed());
        assertFalse(d.message().contains("\n"), d.message());
        assertFalse(d.message().contains("\u0000"), d.message());
        assertFalse(d.message().contains("'; DROP"), d.message());
        d.postureStatuses().forEach(status -> assertTrue(status.matches("[A-Za-z0-9._+:-]+"), status));

        // A long allow-list still gives a message within the limit.
        StringBuilder platforms = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            platforms.append(i == 0 ? "" : ",").append("platform").append(i);
        }
        d = check(handler("9.9.9", platforms.toString(), true), attempt("2.4.7", "android"));
        assertFalse(d.allowed());
        assertEquals(ConnectionDecision.MAX_MESSAGE, d.message().length());
        assertTrue(d.message().endsWith("..."));
    }

    @Test
    void aBugBecomesADenialNotAnException() {
        ClientVersionHandler handler = handler("2.5.0", "", true);
        ConnectionDecision d = check(handler, null);
        assertFalse(d.allowed());
        assertEquals(ClientVersionHandler.INTERNAL_ERROR_MESSAGE, d.message());
        assertEquals(List.of("client-version:error"), d.postureStatuses());

        ConnectionAttempt broken = new ConnectionAttempt("c-9", "main", Optional.empty(), "eve", null, Optional.empty(),
                InetAddress.getLoopbackAddress(), null, ConnectionAttempt.SCHEMA_VERSION, Set.of(), Map.of());
        d = check(handler, broken); // null Optionals are read as absent
        assertFalse(d.allowed());
        assertEquals("client-version:unknown:not-allowed", d.postureStatuses().get(0));
    }

    @Test
    void denialIsLoggedAtInfoWithConnectionIdAndReason() {
        Logger logger = Logger.getLogger(ClientVersionHandler.class.getName());
        List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord record) { records.add(record); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        ClientVersionHandler handler = handler("2.5.0", "", true); // activation logs its settings once
        logger.addHandler(capture);
        try {
            check(handler, attempt("2.6.3", "linux"));
            assertTrue(records.isEmpty(), "an allowed connection is not logged");
            check(handler, attempt("2.4.7", "linux"));
            assertEquals(1, records.size());
            LogRecord record = records.get(0);
            assertEquals(Level.INFO, record.getLevel());
            assertTrue(record.getMessage().contains("c-42"), record.getMessage());
            assertTrue(record.getMessage().contains("OpenVPN 2.4.7 is older than the minimum 2.5.0"), record.getMessage());
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void badConfigurationIsRefusedWithTheSettingAndWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> handler("2.x", "", true));
        assertTrue(e.getMessage().startsWith("minimumClientVersion: '2.x' is not a version such as 2.5.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> handler("2.6_git", "", true));
        assertTrue(e.getMessage().startsWith("minimumClientVersion: '2.6_git'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> handler("", "linux,,win", true));
        assertTrue(e.getMessage().startsWith("allowedPlatforms: "), e.getMessage());
        assertTrue(e.getMessage().contains("empty entry"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> handler("", "linux, windows", true));
        assertEquals("allowedPlatforms: 'windows' is not a platform name clients send; write 'win'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> handler("", "macOS", true));
        assertEquals("allowedPlatforms: 'macOS' is not a platform name clients send; write 'mac'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> handler("", "linux;win", true));
        assertEquals("allowedPlatforms: 'linux;win' is not a platform name such as linux, win, mac, ios, android",
                e.getMessage());
    }

    @Test
    void validConfigurationIsNormalised() {
        ClientVersionSettings settings = ClientVersionSettings.from(config(" 2.5 ", "Linux, win", false));
        assertEquals(Optional.of(new OpenVpnVersion(2, 5, 0)), settings.minimumClientVersion());
        assertEquals(List.of("linux", "win"), List.copyOf(settings.allowedPlatforms()));
        assertFalse(settings.denyUnknownVersion());
    }
}
