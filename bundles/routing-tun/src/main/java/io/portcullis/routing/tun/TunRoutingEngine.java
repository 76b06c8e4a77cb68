package io.portcullis.routing.tun;

import io.portcullis.api.io.IoThreads;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.routing.NetworkPacketReceiver;
import io.portcullis.api.routing.RoutingAttachment;
import io.portcullis.api.routing.RoutingEngine;
import io.portcullis.api.routing.RoutingSpec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code tun} routing engine: one Linux TUN device per attached endpoint, addressed with the
 * first host of the endpoint's client network, and an nftables table per endpoint for source NAT.
 * <p>
 * Everything that changes the host (device creation, ip, nft, sysctl) runs on one control thread,
 * one change at a time, so attach, NAT updates and close never interleave. Packets never go
 * through that thread. A configuration change re-creates the component: attachments are closed
 * and their receivers told, and endpoints attach again.
 */
@Component(
        service = RoutingEngine.class,
        immediate = true, // reports configuration errors at boot, not at the first attach
        configurationPid = TunRoutingEngine.PID,
        property = RoutingEngine.NAME_PROPERTY + "=" + TunRoutingEngine.NAME)
@Designate(ocd = TunRoutingConfig.class)
public class TunRoutingEngine implements RoutingEngine {

    static final String NAME = "tun";
    static final String PID = "io.portcullis.routing.tun";
    private static final Logger LOG = Logger.getLogger(TunRoutingEngine.class.getName());
    private static final long CONTROL_TIMEOUT_SECONDS = 60;

    private final TunRoutingSettings settings;
    private final TunDevice.Factory devices;
    private final HostNetwork host;
    private final ThreadPoolExecutor control;
    private final ThreadLocal<Boolean> onControlThread = ThreadLocal.withInitial(() -> false);
    private final Map<String, TunAttachment> attachments = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    @Activate
    public TunRoutingEngine(TunRoutingConfig config) {
        this(TunRoutingSettings.from(config), LinuxTunDevice.FACTORY, null, null);
    }

    /**
     * @param host           null for the real host (ip, nft, /proc/sys)
     * @param controlThreads null for plain daemon threads; tests pass one that enters a network namespace
     */
    TunRoutingEngine(TunRoutingSettings settings, TunDevice.Factory devices, HostNetwork host,
                     ThreadFactory controlThreads) {
        this.settings = settings;
        this.devices = devices;
        this.host = host != null ? host : new SystemHostNetwork(settings.ipCommand(), settings.nftCommand());
        ThreadFactory threads = controlThreads != null ? controlThreads : runnable -> {
            Thread thread = new Thread(runnable, "portcullis-tun-control");
            thread.setDaemon(true);
            return thread;
        };
        ThreadFactory marked = runnable -> threads.newThread(() -> {
            onControlThread.set(true); // host changes made from here run inline, never wait on themselves
            runnable.run();
        });
        this.control = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), marked);
        this.control.allowCoreThreadTimeOut(true); // no idle thread between changes
        LOG.info(() -> "TUN routing engine ready (devices " + settings.interfacePrefix() + "<n>, "
                + (settings.readOnTransportThreads() ? "read on the transport's threads where it lends them, else " : "")
                + settings.readerThreads() + " reader thread(s) per device, source NAT "
                + (settings.sourceNat() ? "allowed" + settings.natOutInterface().map(i -> " via " + i).orElse("")
                : "disabled") + ", IP forwarding " + (settings.ipForwarding() ? "turned on when needed" : "left alone")
                + ", offloads " + (settings.offloads() ? "on where the kernel has them" : "off") + ")");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<RoutingAttachment> attach(RoutingSpec spec, NetworkPacketReceiver receiver) {
        return attach(spec, receiver, Optional.empty());
    }

    @Override
    public CompletionStage<RoutingAttachment> attach(RoutingSpec spec, NetworkPacketReceiver receiver,
                                                     Optional<IoThreads> transportThreads) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(transportThreads, "transportThreads");
        Optional<IoThreads> threads = transportThreads.filter(t -> settings.readOnTransportThreads()
                && t.count() >= 1 && t.count() <= TunRoutingSettings.MAX_READER_THREADS);
        Objects.requireNonNull(receiver, "receiver");
        CompletableFuture<RoutingAttachment> result = new CompletableFuture<>();
        Runnable work = () -> {
            try {
                result.complete(attachNow(spec, receiver, threads));
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "endpoint " + spec.endpointId() + ": no TUN routing: " + e.getMessage());
                result.completeExceptionally(e);
            }
        };
        try {
            if (stopping) {
                throw new RejectedExecutionException();
            }
            control.execute(work);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(stoppingException());
        }
        return result;
    }

    private TunAttachment attachNow(RoutingSpec spec, NetworkPacketReceiver receiver, Optional<IoThreads> threads)
            throws IOException {
        String id = spec.endpointId();
        if (stopping) {
            throw stoppingException();
        }
        InetAddress ipv4 = firstHost(spec.clientNetwork(), true, "clientNetwork");
        InetAddress ipv6 = spec.clientNetworkIpv6().isPresent()
                ? firstHost(spec.clientNetworkIpv6().get(), false, "clientNetworkIpv6") : null;
        String requested = spec.interfaceName().map(String::trim).orElse("");
        if (!requested.isEmpty() && !TunRoutingSettings.isInterfaceName(requested)) {
            throw new IllegalArgumentException("interface name '" + requested + "' of endpoint " + id
                    + " is not 1-15 letters, digits, '_', '.' or '-'");
        }
        TunAttachment existing = attachments.get(id);
        if (existing != null) {
            throw new IllegalStateException("endpoint " + id + " is already attached on " + existing.interfaceName()
                    + "; close that attachment first");
        }
        boolean nat = spec.sourceNat() && settings.sourceNat();
        if (spec.sourceNat() && !settings.sourceNat()) {
            LOG.info(() -> "endpoint " + id + " asks for source NAT, but sourceNat=false in "
                    + SystemHostNetwork.CONFIG_FILE + ": no NAT; the routed networks need a route back to "
                    + spec.clientNetwork());
        }
        if (nat) {
            host.checkNftables();
        }
        int maxPacket = Math.min(LinuxTunDevice.MAX_PACKET, Math.max(spec.mtu(), 1500));
        int queues = threads.map(IoThreads::count).orElse(settings.readerThreads());
        TunDevice device = devices.open(requested.isEmpty() ? settings.interfacePrefix() + "%d" : requested,
                queues, maxPacket, settings.offloads());
        if (device.descriptor(0) < 0) {
            threads = Optional.empty(); // nothing a transport thread could watch
        }
        Optional<String> table = nat ? Optional.of(NatRuleset.tableName(id)) : Optional.empty();
        boolean natApplied = false;
        try {
            host.configureDevice(device.name(), spec.mtu(), ipv4, spec.clientNetwork().prefixLength(),
                    ipv6, ipv6 == null ? 0 : spec.clientNetworkIpv6().get().prefixLength());
            if (settings.ipForwarding()) {
                enableForwarding(id, false);
                if (ipv6 != null) {
                    enableForwarding(id, true);
                }
            }
            if (nat) {
                natApplied = true;
                host.applyNftables(NatRuleset.replace(table.get(), spec.clientNetwork(), spec.routedNetworks(),
                        settings.natOutInterface()));
            }
            TunAttachment attachment = new TunAttachment(this, spec, device, receiver, table,
                    settings.natOutInterface(), maxPacket, threads);
            attachments.put(id, attachment);
            try {
                attachment.start();
            } catch (IOException | RuntimeException e) {
                attachments.remove(id, attachment);
                throw e;
            }
            if (stopping) { // deactivate may have closed the others already: do not leave this one behind
                attachment.close();
                throw stoppingException();
            }
            LOG.info(() -> "endpoint " + id + ": " + device.name() + " up with " + ipv4.getHostAddress() + "/"
                    + spec.clientNetwork().prefixLength()
                    + (ipv6 == null ? "" : " and " + ipv6.getHostAddress() + "/"
                    + spec.clientNetworkIpv6().get().prefixLength())
                    + ", MTU " + spec.mtu() + ", " + device.queues() + " queue(s) read on "
                    + (attachment.readsOnTransportThreads() ? "the transport's threads" : "threads of its own") + ", "
                    + (device.offloads() ? "offloads" : "no offloads") + "; "
                    + table.map(t -> "source NAT (table ip " + t + ") to " + spec.routedNetworks())
                    .orElse("no source NAT; routed networks " + spec.routedNetworks()));
            return attachment;
        } catch (IOException | RuntimeException e) {
            device.wakeup();
            device.close();
            if (natApplied) {
                try {
                    host.applyNftables(NatRuleset.delete(table.get()));
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private void enableForwarding(String id, boolean ipv6) throws IOException {
        if (host.enableForwarding(ipv6)) {
            if (ipv6) {
                LOG.warning(() -> "endpoint " + id + ": turned on IPv6 forwarding (net.ipv6.conf.all.forwarding=1); "
                        + "interfaces with accept_ra=1 stop accepting router advertisements (set accept_ra=2 where "
                        + "the host relies on them). It stays on when the endpoint closes.");
            } else {
                LOG.info(() -> "endpoint " + id + ": turned on IPv4 forwarding (net.ipv4.ip_forward=1); "
                        + "it stays on when the endpoint closes");
            }
        }
    }

    /** The device's own address: the first host of the client network. */
    static InetAddress firstHost(IpNetwork network, boolean ipv4, String what) {
        if (network.isIpv4() != ipv4) {
            throw new IllegalArgumentException(what + " " + network + " is not an " + (ipv4 ? "IPv4" : "IPv6")
                    + " network");
        }
        int maxPrefix = ipv4 ? 30 : 126;
        if (network.prefixLength() > maxPrefix) {
            throw new IllegalArgumentException(what + " " + network + " is too small: the device takes its first host "
                    + "address and clients need the others; use a prefix of /" + maxPrefix + " or shorter");
        }
        byte[] bytes = network.address().getAddress();
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (++bytes[i] != 0) {
                break;
            }
        }
        try {
            InetAddress address = InetAddress.getByAddress(bytes);
            assert ipv4 ? address instanceof Inet4Address : address instanceof Inet6Address;
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The attachments open now. */
    List<TunAttachment> attachments() {
        return List.copyOf(attachments.values());
    }

    HostNetwork host() {
        return host;
    }

    void removed(TunAttachment attachment) {
        attachments.remove(attachment.endpointId(), attachment);
    }

    /** Closes an attachment off the calling thread (a reader that found its device gone). */
    void closeLater(TunAttachment attachment) {
        try {
            control.execute(attachment::close);
        } catch (RejectedExecutionException e) {
            Thread closer = new Thread(attachment::close, "portcullis-tun-close");
            closer.setDaemon(true);
            closer.start();
        }
    }

    /** Runs host changes on the control thread, in order with every other change, and waits for them. */
    <T> T onControl(Callable<T> work) throws IOException {
        if (onControlThread.get()) {
            return call(work);
        }
        Future<T> future;
        try {
            future = control.submit(() -> call(work));
        } catch (RejectedExecutionException e) {
            throw stoppingException();
        }
        try {
            return future.get(CONTROL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("a host network change did not finish within " + CONTROL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a host network change", e);
        }
    }

    private static <T> T call(Callable<T> work) throws IOException {
        try {
            return work.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static IOException stoppingException() {
        return new IOException("the TUN routing engine is stopping; attach again once it is back in the registry");
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        closeAll();
        control.shutdown();
        try {
            if (!control.awaitTermination(CONTROL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warning("the TUN control thread did not finish its work within " + CONTROL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll(); // an attach that was under way when we stopped
        LOG.info("TUN routing engine stopped");
    }

    private void closeAll() {
        for (TunAttachment attachment : attachments()) {
            try {
                attachment.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing " + attachment + " failed", e);
            }
        }
    }
}
