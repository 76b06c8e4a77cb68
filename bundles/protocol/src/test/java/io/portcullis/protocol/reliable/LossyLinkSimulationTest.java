package io.portcullis.protocol.reliable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.ControlPacketCodec;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.SessionId;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client and a server reliability layer talk through a seeded in-memory link that drops,
 * duplicates and reorders packets. Every message must arrive exactly once and in order,
 * and no side may ever have more than six packets in flight.
 */
class LossyLinkSimulationTest {

    private static final long MS = 1_000_000L;

    private record InFlight(long arrival, long seq, boolean toServer, byte[] wire) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void allMessagesArriveOnceInOrder(long seed) {
        Random rnd = new Random(seed);
        double loss = 0.1 + rnd.nextDouble() * 0.25;
        SessionId cid = new SessionId(0xC1);
        SessionId sid = new SessionId(0x51);
        ReliableLayer client = new ReliableLayer(0, cid);
        ReliableLayer server = new ReliableLayer(0, sid);
        client.setRemoteSessionId(sid);
        server.setRemoteSessionId(cid);

        List<byte[]> clientMessages = messages(rnd, 120);
        List<byte[]> serverMessages = messages(rnd, 90);
        clientMessages.forEach(m -> client.enqueue(Opcode.P_CONTROL_V1, m));
        serverMessages.forEach(m -> server.enqueue(Opcode.P_CONTROL_V1, m));
        List<byte[]> atServer = new ArrayList<>();
        List<byte[]> atClient = new ArrayList<>();

        PriorityQueue<InFlight> link = new PriorityQueue<>((a, b) -> a.arrival != b.arrival
                ? Long.compare(a.arrival, b.arrival) : Long.compare(a.seq, b.seq));
        long now = 0;
        long seq = 0;
        int steps = 0;
        while (atServer.size() < clientMessages.size() || atClient.size() < serverMessages.size()
                || !client.isIdle() || !server.isIdle()) {
            assertTrue(++steps < 200_000, "simulation did not converge");
            for (boolean fromClient : new boolean[] {true, false}) {
                ReliableLayer sender = fromClient ? client : server;
                for (ControlPacket p : sender.poll(now)) {
                    if (p instanceof ControlPacket.Reliable r) {
                        assertTrue(r.messagePacketId() < sender.lowestUnacknowledged() + ReliableLayer.SEND_WINDOW);
                    }
                    int copies = rnd.nextDouble() < loss ? 0 : rnd.nextDouble() < 0.1 ? 2 : 1;
                    for (int c = 0; c < copies; c++) {
                        long delay = 5 * MS + (long) (rnd.nextDouble() * 400 * MS);
                        link.add(new InFlight(now + delay, seq++, fromClient, ControlPacketCodec.encode(p)));
                    }
                }
            }
            long next = Math.min(client.nextWakeupNanos(now), server.nextWakeupNanos(now));
            if (!link.isEmpty()) {
                next = Math.min(next, link.peek().arrival);
            }
            assertTrue(next != Long.MAX_VALUE, "deadlock: nothing scheduled");
            now = Math.max(now, next);
            while (!link.isEmpty() && link.peek().arrival <= now) {
                InFlight f = link.poll();
                ReliableLayer receiver = f.toServer ? server : client;
                receiver.receive(ControlPacketCodec.decode(f.wire).valueOrNull());
                for (ControlPacket.Reliable r : receiver.pollDeliverable()) {
                    (f.toServer ? atServer : atClient).add(r.payload());
                }
            }
        }
        assertSame(clientMessages, atServer);
        assertSame(serverMessages, atClient);
    }

    private static List<byte[]> messages(Random rnd, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] m = new byte[1 + rnd.nextInt(100)];
            rnd.nextBytes(m);
            m[0] = (byte) i;
            out.add(m);
        }
        return out;
    }

    private static void assertSame(List<byte[]> sent, List<byte[]> received) {
        assertEquals(sent.size(), received.size());
        for (int i = 0; i < sent.size(); i++) {
            assertTrue(java.util.Arrays.equals(sent.get(i), received.get(i)), "message " + i);
        }
    }
}
