package io.portcullis.protocol.session;

import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.InnerPayload;
import io.portcullis.protocol.data.OpenStatus;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * A client and a server engine joined by a simulated UDP link that loses, duplicates and
 * reorders datagrams, in simulated time.
 */
final class SimulatedLink {

    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;

    private record InFlight(long at, long seq, boolean toServer, byte[] bytes) {
    }

    final Random rnd;
    double loss; // a test may end the losses part way, e.g. to see a message that is sent only a few times
    final double duplicate;
    final long jitterNanos;
    final ServerSessionConfig serverConfig;
    ServerSession server;
    final ClientSession client;
    long now = 1_000 * S; // an arbitrary monotonic origin
    private long seq;
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));

    final List<SessionOutput> serverEvents = new ArrayList<>();
    final List<SessionOutput> clientEvents = new ArrayList<>();
    final Map<Integer, DataChannelCipher> serverKeys = new HashMap<>();
    final Map<Integer, DataChannelCipher> clientKeys = new HashMap<>();
    final List<Integer> serverInstalled = new ArrayList<>();
    final List<Integer> serverRetired = new ArrayList<>();
    /** Decides Authenticate requests: returns the push options, or null to reject. */
    BiFunction<SessionOutput.Authenticate, ServerSession, List<String>> authenticator =
            (a, s) -> List.of("topology subnet", "ifconfig 10.8.0.2 255.255.252.0", "route-gateway 10.8.0.1",
                    "route 10.0.0.0 255.255.255.0", "ping 10", "ping-restart 60");
    String rejectMessage = "bad password";
    /** Whether the simulated client keeps the server's keepalive happy with data pings. */
    boolean clientPings = true;
    private long lastClientPing;
    int serverPingsRequested;
    final List<Long> serverPingTimes = new ArrayList<>();
    SessionOutput.Closed serverClosed;
    SessionOutput.Closed clientClosed;
    int sessionsAccepted;

    SimulatedLink(ServerSessionConfig serverConfig, ClientSessionConfig clientConfig, long seed, double loss,
            double duplicate, long jitterNanos) {
        this.rnd = new Random(seed);
        this.loss = loss;
        this.duplicate = duplicate;
        this.jitterNanos = jitterNanos;
        this.serverConfig = serverConfig;
        this.client = new ClientSession(clientConfig, now, 1_800_000_000L, new SecureRandom());
        fromClient(client.start(now));
    }

    private void send(boolean toServer, byte[] bytes) {
        if (rnd.nextDouble() < loss) {
            return;
        }
        int copies = rnd.nextDouble() < duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 5 * MS + (jitterNanos > 0 ? (long) (rnd.nextDouble() * jitterNanos) : 0);
            queue.add(new InFlight(now + delay, seq++, toServer, bytes.clone()));
        }
    }

    void fromClient(List<SessionOutput> outputs) {
        for (SessionOutput o : outputs) {
            if (o instanceof SessionOutput.Send s) {
                send(true, s.packet());
                continue;
            }
            clientEvents.add(o);
            if (o instanceof SessionOutput.InstallKeys k) {
                clientKeys.put(k.keyId(), k.cipher());
            } else if (o instanceof SessionOutput.RetireKeys r) {
                clientKeys.remove(r.keyId());
            } else if (o instanceof SessionOutput.Closed c) {
                clientClosed = c;
            }
        }
    }

    void fromServer(List<SessionOutput> outputs) {
        for (SessionOutput o : outputs) {
            if (o instanceof SessionOutput.Send s) {
                send(false, s.packet());
                continue;
            }
            serverEvents.add(o);
            if (o instanceof SessionOutput.InstallKeys k) {
                serverKeys.put(k.keyId(), k.cipher());
                serverInstalled.add(k.keyId());
            } else if (o instanceof SessionOutput.RetireKeys r) {
                serverKeys.remove(r.keyId());
                serverRetired.add(r.keyId());
            } else if (o instanceof SessionOutput.SendPing) {
                serverPingsRequested++;
                serverPingTimes.add(now);
            } else if (o instanceof SessionOutput.Closed c) {
                serverClosed = c;
            } else if (o instanceof SessionOutput.Authenticate a) {
                List<String> push = authenticator.apply(a, server);
                fromServer(push == null ? server.onAuthenticationResult(false, List.of(), rejectMessage)
                        : server.onAuthenticationResult(true, push, null));
            }
        }
    }

    private void deliver(InFlight f) {
        if (f.toServer) {
            if (server == null) {
                var accepted = ServerSession.accept(serverConfig, 7, ByteBuffer.wrap(f.bytes), now, 1_800_000_100L,
                        new SecureRandom());
                if (accepted instanceof ServerSession.Accepted.Ok ok) {
                    server = ok.session();
                    sessionsAccepted++;
                    fromServer(ok.outputs());
                }
            } else {
                fromServer(server.onControlPacket(ByteBuffer.wrap(f.bytes), now));
            }
        } else {
            fromClient(client.onControlPacket(ByteBuffer.wrap(f.bytes), now));
        }
    }

    /** Advances time in small steps, delivering and ticking, until {@code done} or {@code maxNanos} passed. */
    boolean runUntil(BooleanSupplier done, long maxNanos) {
        long end = now + maxNanos;
        while (!done.getAsBoolean()) {
            if (now - end >= 0) {
                return false;
            }
            now += 10 * MS;
            while (!queue.isEmpty() && queue.peek().at - now <= 0) {
                deliver(queue.poll());
            }
            if (server != null) {
                if (clientPings && now - lastClientPing >= 10 * S && client.isEstablished()) {
                    lastClientPing = now;
                    server.onDataReceived(now);
                }
                if (server.nextWakeupNanos() - now <= 0) {
                    fromServer(server.onTick(now));
                }
            }
            if (client.nextWakeupNanos() - now <= 0) {
                fromClient(client.onTick(now));
            }
        }
        return true;
    }

    boolean established() {
        return server != null && server.isEstablished() && client.isEstablished();
    }

    /** Seals a ping with {@code from} and opens it with {@code to}. */
    static void assertDataFlows(DataChannelCipher from, DataChannelCipher to, long now) {
        ByteBuffer wire = ByteBuffer.allocate(200);
        from.seal(ByteBuffer.wrap(InnerPayload.ping()), wire);
        ByteBuffer plain = ByteBuffer.allocate(200);
        OpenStatus status = to.open(wire.flip(), plain, now);
        if (status != OpenStatus.OK || InnerPayload.classify(plain.flip()) != InnerPayload.Kind.PING) {
            throw new AssertionError("data packet did not open: " + status);
        }
    }
}
