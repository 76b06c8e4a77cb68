package io.portcullis.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlMessagesTest {

    @Test
    void recognisesClientMessages() {
        byte[] record = "PUSH_REQUEST\0EXIT\r\n\0CR_RESPONSE,dGVzdA==\0\0SOMETHING,else\0"
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(new ClientMessage.PushRequest(), new ClientMessage.Exit(),
                new ClientMessage.CrResponse("dGVzdA=="), new ClientMessage.Other("SOMETHING,else")),
                ClientMessage.parseAll(record));
        assertFalse(new ClientMessage.CrResponse("secret").toString().contains("secret"));
        assertEquals(List.of(new ClientMessage.PushRequest()),
                ClientMessage.parseAll("PUSH_REQUEST".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void shortPushReplyIsOneMessage() {
        List<String> msgs = ServerMessages.pushReply(List.of("route 10.0.0.0 255.255.0.0", "topology subnet",
                "ping 10", "ping-restart 120", "ifconfig 10.8.0.9 255.255.255.0", "peer-id 7", "cipher AES-256-GCM"));
        assertEquals(List.of("PUSH_REPLY,route 10.0.0.0 255.255.0.0,topology subnet,ping 10,ping-restart 120,"
                + "ifconfig 10.8.0.9 255.255.255.0,peer-id 7,cipher AES-256-GCM"), msgs);
        assertEquals(List.of("PUSH_REPLY"), ServerMessages.pushReply(List.of()));
    }

    @Test
    void longPushReplySplitsWithContinuation() {
        List<String> options = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            options.add("route 10." + i + ".0.0 255.255.0.0");
        }
        List<String> msgs = ServerMessages.pushReply(options);
        assertTrue(msgs.size() > 1);
        List<String> back = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            String m = msgs.get(i);
            assertTrue(m.length() + 1 <= 1024, "message " + i + " is " + m.length());
            assertTrue(m.startsWith("PUSH_REPLY,"));
            String suffix = i == msgs.size() - 1 ? ",push-continuation 1" : ",push-continuation 2";
            assertTrue(m.endsWith(suffix));
            for (String o : m.substring(11, m.length() - suffix.length()).split(",")) {
                back.add(o);
            }
        }
        assertEquals(options, back, "all options, in order, exactly once");
    }

    @Test
    void rejectsOptionsTheClientWouldMangle() {
        assertThrows(IllegalArgumentException.class, () -> ServerMessages.pushReply(List.of("a,b")));
        assertThrows(IllegalArgumentException.class, () -> ServerMessages.pushReply(List.of("x".repeat(256))));
        assertThrows(IllegalArgumentException.class, () -> ServerMessages.encode("bad\nline"));
    }

    @Test
    void serverMessages() {
        assertArrayEquals("AUTH_FAILED\0".getBytes(StandardCharsets.US_ASCII),
                ServerMessages.encode(ServerMessages.authFailed(null)));
        assertEquals("AUTH_FAILED,SESSION: token expired", ServerMessages.authFailed("SESSION: token expired"));
        assertEquals("AUTH_PENDING,timeout 60", ServerMessages.authPending(60));
        assertEquals("AUTH_PENDING", ServerMessages.authPending(0));
        assertEquals("INFO_PRE,WEB_AUTH::https://sso.example/x", ServerMessages.infoPre("WEB_AUTH::https://sso.example/x"));
        assertEquals("INFO,hello", ServerMessages.info("hello"));
        assertEquals("RESTART", ServerMessages.restart(null, null));
        assertEquals("RESTART,[N]server shutting down", ServerMessages.restart("N", "server shutting down"));
        assertEquals("HALT", ServerMessages.halt(""));
        assertEquals("HALT,bye", ServerMessages.halt("bye"));
    }
}
