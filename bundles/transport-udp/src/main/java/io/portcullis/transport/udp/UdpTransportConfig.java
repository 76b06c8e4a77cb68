package io.portcullis.transport.udp;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis UDP transport",
        description = "Netty UDP listener that carries OpenVPN packets, one per datagram.")
public @interface UdpTransportConfig {

    @AttributeDefinition(name = "Listen address",
            description = "IP address to listen on when an endpoint does not name one.")
    String listenAddress() default "127.0.0.1";

    @AttributeDefinition(name = "Port",
            description = "UDP port to listen on when an endpoint does not name one (1-65535, 0 for any free port).")
    int port() default 1194;

    @AttributeDefinition(name = "Event loop threads",
            description = "I/O threads shared by all UDP bindings; 0 means one per core.")
    int eventLoopThreads() default 0;

    @AttributeDefinition(name = "Receive buffer (bytes)",
            description = "SO_RCVBUF of each socket; large buffers absorb bursts from many clients.")
    int receiveBufferBytes() default 4 * 1024 * 1024;

    @AttributeDefinition(name = "Send buffer (bytes)",
            description = "SO_SNDBUF of each socket.")
    int sendBufferBytes() default 4 * 1024 * 1024;

    @AttributeDefinition(name = "UDP GSO",
            description = "Send runs of same-size packets to one client with one system call (UDP_SEGMENT); "
                    + "needs Linux 4.18 or later. Turn off to send one datagram per call.")
    boolean gso() default true;

    @AttributeDefinition(name = "UDP GRO",
            description = "Let the kernel hand over a client's datagrams coalesced (UDP_GRO, Linux 5.0 or later), "
                    + "up to 64 in one buffer: it pays off with network cards that coalesce, not on veth or "
                    + "loopback. Each read then holds 16 buffers of 64 KiB (1 MiB per socket) instead of 16 "
                    + "of 9 KiB.")
    boolean gro() default false;

    @AttributeDefinition(name = "Read pause (microseconds)",
            description = "After a read of at least readPauseAfter datagrams that emptied the socket (a loop under "
                    + "load that keeps up), the loop waits this long before it reads again, as network cards "
                    + "moderate interrupts: the next read then takes a larger batch, with fewer wake-ups and larger "
                    + "merged TUN writes. Packets under load wait at most this much longer; a lone packet never "
                    + "waits. 0 turns it off; at most 1000.")
    int readPauseMicros() default 100;

    @AttributeDefinition(name = "Read pause after (datagrams)",
            description = "How many datagrams one read of a socket must take before the loop pauses (1-64).")
    int readPauseAfter() default 4;
}
