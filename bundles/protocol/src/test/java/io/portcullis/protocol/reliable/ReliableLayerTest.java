package io.portcullis.protocol.reliable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.packet.AckBlock;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.SessionId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReliableLayerTest {

    private static final SessionId CLIENT = new SessionId(0x1111);
    private static final SessionId SERVER = new SessionId(0x2222);
    private static final long S = 1_000_000_000L;

    private static ControlPacket.Reliable fromClient(long pid, AckBlock acks) {
        return new ControlPacket.Reliable(Opcode.P_CONTROL_V1, 0, CLIENT, acks, pid, new byte[] {(byte) pid});
    }

    private static ReliableLayer server() {
        ReliableLayer r = new ReliableLayer(0, SERVER);
        r.setRemoteSessionId(CLIENT);
        return r;
    }

    @Test
    void deliversInOrderAndAcksEachId() {
        ReliableLayer r = server();
        assertEquals(ReceiveOutcome.ACCEPTED, r.receive(fromClient(1, AckBlock.EMPTY)));
        assertTrue(r.pollDeliverable().isEmpty(), "id 0 missing");
        assertEquals(ReceiveOutcome.ACCEPTED, r.receive(fromClient(0, AckBlock.EMPTY)));
        List<ControlPacket.Reliable> got = r.pollDeliverable();
        assertEquals(List.of(0L, 1L), got.stream().map(ControlPacket.Reliable::messagePacketId).toList());
        var ack = assertInstanceOf(ControlPacket.Ack.class, r.poll(0).get(0));
        assertEquals(AckBlock.of(CLIENT, 1, 0), ack.acks());
        assertTrue(r.poll(0).isEmpty());
    }

    @Test
    void duplicatesAreAckedAgainButNotDelivered() {
        ReliableLayer r = server();
        r.receive(fromClient(0, AckBlock.EMPTY));
        r.pollDeliverable();
        r.poll(0);
        assertEquals(ReceiveOutcome.DUPLICATE, r.receive(fromClient(0, AckBlock.EMPTY)));
        assertTrue(r.pollDeliverable().isEmpty());
        assertEquals(AckBlock.of(CLIENT, 0), r.poll(0).get(0).acks());
    }

    @Test
    void receiveCapacityIsTwelve() {
        ReliableLayer r = server();
        assertEquals(ReceiveOutcome.ACCEPTED, r.receive(fromClient(11, AckBlock.EMPTY)));
        assertEquals(ReceiveOutcome.OUT_OF_WINDOW, r.receive(fromClient(12, AckBlock.EMPTY)));
        assertEquals(AckBlock.of(CLIENT, 11), r.poll(0).get(0).acks(), "out-of-window id must not be ACKed");
    }

    @Test
    void acksForAnotherSessionAreIgnored() {
        ReliableLayer r = server();
        r.enqueue(Opcode.P_CONTROL_V1, new byte[1]);
        r.poll(0);
        assertEquals(ReceiveOutcome.WRONG_SESSION, r.receive(fromClient(0, AckBlock.of(new SessionId(7), 0))));
        assertEquals(1, r.unacknowledgedCount());
        assertTrue(r.pollDeliverable().isEmpty());
    }

    @Test
    void sendWindowIsSix() {
        ReliableLayer r = server();
        for (int i = 0; i < 10; i++) {
            r.enqueue(Opcode.P_CONTROL_V1, new byte[] {(byte) i});
        }
        List<ControlPacket> first = r.poll(0);
        assertEquals(6, first.size());
        assertTrue(r.poll(0).isEmpty());
        // ACKing id 1 does not open the window: id 0 is still the lowest unacknowledged.
        r.receive(new ControlPacket.Ack(0, CLIENT, AckBlock.of(SERVER, 1)));
        assertTrue(r.poll(0).isEmpty());
        r.receive(new ControlPacket.Ack(0, CLIENT, AckBlock.of(SERVER, 0)));
        List<ControlPacket> next = r.poll(0);
        assertEquals(List.of(6L, 7L), next.stream().map(p -> ((ControlPacket.Reliable) p).messagePacketId()).toList());
    }

    @Test
    void retransmitsWithExponentialBackoff() {
        ReliableLayer r = server();
        r.enqueue(Opcode.P_CONTROL_V1, new byte[] {1});
        assertEquals(1, r.poll(0).size());
        assertEquals(2 * S, r.nextWakeupNanos(0));
        assertTrue(r.poll(2 * S - 1).isEmpty());
        assertEquals(1, r.poll(2 * S).size());
        assertEquals(6 * S, r.nextWakeupNanos(2 * S), "second timeout is 4 s");
        assertEquals(1, r.poll(6 * S).size());
        assertEquals(14 * S, r.nextWakeupNanos(6 * S));
        r.receive(new ControlPacket.Ack(0, CLIENT, AckBlock.of(SERVER, 0)));
        assertEquals(Long.MAX_VALUE, r.nextWakeupNanos(7 * S));
        assertTrue(r.isIdle());
    }

    @Test
    void fastRetransmitAfterThreeLaterAcks() {
        ReliableLayer r = server();
        for (int i = 0; i < 4; i++) {
            r.enqueue(Opcode.P_CONTROL_V1, new byte[] {(byte) i});
        }
        r.poll(0);
        r.receive(new ControlPacket.Ack(0, CLIENT, AckBlock.of(SERVER, 1, 2)));
        assertTrue(r.poll(S / 10).isEmpty());
        r.receive(new ControlPacket.Ack(0, CLIENT, AckBlock.of(SERVER, 3)));
        List<ControlPacket> resent = r.poll(S / 10);
        assertEquals(1, resent.size());
        assertEquals(0, ((ControlPacket.Reliable) resent.get(0)).messagePacketId());
    }

    @Test
    void piggybacksAtMostFourAcks() {
        ReliableLayer r = server();
        for (int i = 0; i < 6; i++) {
            r.receive(fromClient(i, AckBlock.EMPTY));
        }
        r.enqueue(Opcode.P_CONTROL_V1, new byte[] {9});
        List<ControlPacket> out = r.poll(0);
        assertEquals(2, out.size());
        assertEquals(AckBlock.of(CLIENT, 0, 1, 2, 3), out.get(0).acks());
        assertInstanceOf(ControlPacket.Ack.class, out.get(1));
        assertEquals(AckBlock.of(CLIENT, 4, 5), out.get(1).acks());
    }
}
