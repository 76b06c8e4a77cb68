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
}
