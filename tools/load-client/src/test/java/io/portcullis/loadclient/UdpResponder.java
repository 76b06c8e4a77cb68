package io.portcullis.loadclient;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.InnerPayload;
import io.portcullis.protocol.data.OpenStatus;
import io.portcullis.protocol.session.ServerSession;
import io.portcullis.protocol.session.ServerSessionConfig;
import io.portcullis.protocol.session.SessionOutput;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.StaticKey;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * An in-process OpenVPN server for the tests: {@link ServerSession}s behind one loopback UDP
 * socket, keyed by the client's address as the appliance keys them, accepting every client,
 * pushing {@code ping 1}/{@code ping-restart 6}, answering keepalives and honouring OCC EXIT.
 * One thread; {@link #close()} ends it.
 */
final class UdpResponder implements AutoCloseable {

    private static final int OP_DATA_V1 = 6;
    private static final int OP_DATA_V2 = 9;

    private static final class Peer {
        final ServerSession session;
        final DataChannelCipher[] keys = new DataChannelCipher[8];
        int newest = -1;

        Peer(ServerSession session) {
            this.session = session;
        }
    }

    final AtomicInteger established = new AtomicInteger();
    final AtomicInteger pingsReceived = new AtomicInteger();
    /** Pings received, by the key id they were sealed with. */
    final AtomicIntegerArray pingsByKeyId = new AtomicIntegerArray(8);
    final AtomicInteger exitsReceived = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    private final ServerSessionConfig config;
    private final DatagramChannel channel;
    private final Selector selector;
    private final Thread thread;
    private final Map<SocketAddress, Peer> peers = new HashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ByteBuffer rx = ByteBuffer.allocate(65536);
    private final ByteBuffer plain = ByteBuffer.allocate(65536);
    private final ByteBuffer tx = ByteBuffer.allocate(4096);
    private int nextPeerId;
    private volatile boolean running = true;

    UdpResponder(TlsCredentials server, StaticKey tlsCrypt) throws IOException {
        this.config = new ServerSessionConfig(TlsCrypt.forServer(tlsCrypt), server, List.of(AeadAlgorithm.AES_256_GCM),
                Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(6));
        this.channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        this.thread = new Thread(this::loop, "udp-responder");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private void loop() {
        try {
            while (running) {
                selector.select(20);
                selector.selectedKeys().clear();
                for (SocketAddress from; (from = receive()) != null; ) {
                    onDatagram(from, System.nanoTime());
                }
                long now = System.nanoTime();
                for (var e : List.copyOf(peers.entrySet())) {
                    ServerSession s = e.getValue().session;
                    if (s.nextWakeupNanos() - now <= 0) {
                        apply(e.getKey(), e.getValue(), s.onTick(now));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private SocketAddress receive() throws IOException {
        rx.clear();
        SocketAddress from = channel.receive(rx);
        rx.flip();
        return from;
    }

    private void onDatagram(SocketAddress from, long now) throws IOException {
        if (!rx.hasRemaining()) {
            return;
        }
        int first = rx.get(0) & 0xFF;
        int op = first >>> 3;
        Peer peer = peers.get(from);
        if (op == OP_DATA_V1 || op == OP_DATA_V2) {
            DataChannelCipher key = peer == null ? null : peer.keys[first & 7];
            plain.clear();
            if (key == null || key.open(rx, plain, now) != OpenStatus.OK) {
                return;
            }
            peer.session.onDataReceived(now);
            plain.flip();
            switch (InnerPayload.classify(plain)) {
                case PING -> {
                    pingsReceived.incrementAndGet();
                    pingsByKeyId.incrementAndGet(first & 7);
                }
                case OCC_EXIT -> {
                    exitsReceived.incrementAndGet();
                    apply(from, peer, peer.session.onClientExit(now));
                }
                default -> {
                }
            }
            return;
        }
        if (peer == null) {
            var accepted = ServerSession.accept(config, nextPeerId++, rx, now, System.currentTimeMillis() / 1000,
                    random);
            if (accepted instanceof ServerSession.Accepted.Ok ok) {
                peer = new Peer(ok.session());
                peers.put(from, peer);
                apply(from, peer, ok.outputs());
            }
            return;
        }
        apply(from, peer, peer.session.onControlPacket(rx, now));
    }

    private void apply(SocketAddress to, Peer peer, List<SessionOutput> outputs) throws IOException {
        for (SessionOutput o : outputs) {
            if (o instanceof SessionOutput.Send s) {
                channel.send(ByteBuffer.wrap(s.packet()), to);
            } else if (o instanceof SessionOutput.InstallKeys k) {
                peer.keys[k.keyId()] = k.cipher();
                peer.newest = k.keyId();
            } else if (o instanceof SessionOutput.Authenticate) {
                apply(to, peer, peer.session.onAuthenticationResult(true,
                        List.of("topology subnet", "ifconfig 10.8.0.2 255.255.255.0", "ping 1", "ping-restart 6"),
                        null));
            } else if (o instanceof SessionOutput.Established) {
                established.incrementAndGet();
            } else if (o instanceof SessionOutput.SendPing && peer.newest >= 0) {
                tx.clear();
                peer.keys[peer.newest].seal(ByteBuffer.wrap(InnerPayload.ping()), tx);
                channel.send(tx.flip(), to);
                peer.session.onDataSent(System.nanoTime());
            } else if (o instanceof SessionOutput.Closed) {
                closed.incrementAndGet();
                peers.remove(to);
            }
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        selector.wakeup();
        thread.join(5000);
        selector.close();
        channel.close();
    }
}
