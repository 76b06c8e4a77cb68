package io.portcullis.transport.tcp;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis TCP transport",
        description = "Netty TCP listener that carries OpenVPN packets, each framed by a 2-byte big-endian length.")
public @interface TcpTransportConfig {

    @AttributeDefinition(name = "Listen address",
            description = "IP address to listen on when an endpoint does not name one.")
    String listenAddress() default "127.0.0.1";

    @AttributeDefinition(name = "Port",
            description = "TCP port to listen on when an endpoint does not name one (1-65535, 0 for any free port).")
    int port() default 1194;

    @AttributeDefinition(name = "Event loop threads",
            description = "I/O threads shared by all TCP bindings and their connections; 0 means one per core.")
    int eventLoopThreads() default 0;

    @AttributeDefinition(name = "Maximum connections",
            description = "Open connections allowed per binding; a connection beyond it is closed as soon as it is accepted.")
    int maxConnections() default 1024;

    @AttributeDefinition(name = "Handshake timeout (seconds)",
            description = "A connection that has not sent one complete packet this long after connecting is closed "
                    + "(idle or trickling sockets must not hold connection slots); 0 disables.")
    int handshakeTimeoutSeconds() default 10;

    @AttributeDefinition(name = "Send queue (bytes)",
            description = "Bytes queued toward one client before further packets to it are dropped (and counted) "
                    + "instead of buffered; the client's TCP window paces it.")
    int sendQueueBytes() default 1024 * 1024;
}
