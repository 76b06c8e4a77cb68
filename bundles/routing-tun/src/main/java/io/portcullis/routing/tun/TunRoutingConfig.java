package io.portcullis.routing.tun;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis TUN routing",
        description = "Linux TUN devices that carry client traffic into the routed networks, with nftables source NAT.")
public @interface TunRoutingConfig {

    @AttributeDefinition(name = "Interface name prefix",
            description = "Devices are named <prefix><n> (pcl0, pcl1, ...) when an endpoint does not name its own; "
                    + "1-12 characters: a letter, then letters, digits, '_' or '-'.")
    String interfacePrefix() default "pcl";

    @AttributeDefinition(name = "Source NAT",
            description = "Allow source NAT (masquerade) for endpoints that ask for it. When false no NAT rules are "
                    + "installed, and the routed networks need a route back to the client networks.")
    boolean sourceNat() default true;

    @AttributeDefinition(name = "NAT outgoing interface",
            description = "Masquerade only traffic leaving through this interface (e.g. eth0); empty for any interface.",
            required = false)
    String natOutInterface() default "";

    @AttributeDefinition(name = "Reader threads",
            description = "Threads (and TUN queues) reading each device, 1-16. More than one uses a multi-queue "
                    + "device; the kernel spreads flows over the queues.")
    int readerThreads() default 1;

    @AttributeDefinition(name = "Read on transport threads",
            description = "Read each device on the transport's own threads (one queue per thread) where the "
                    + "transport lends them (UDP with native epoll): a client's packet and the reply to it are then "
                    + "handled by one thread, with no hand-over. readerThreads applies where it does not.")
    boolean readOnTransportThreads() default true;

    @AttributeDefinition(name = "Enable IP forwarding",
            description = "Turn on net.ipv4.ip_forward (and IPv6 forwarding for dual-stack endpoints) when an "
                    + "endpoint attaches and it is off. It is left on when the endpoint closes.")
    boolean ipForwarding() default true;

    @AttributeDefinition(name = "Offloads",
            description = "Let the kernel hand TCP to the devices as super-packets of up to 64 KiB with checksums "
                    + "left to complete, and take the same (checksum and TCP segmentation offload, IFF_VNET_HDR): "
                    + "far fewer system calls per GB. Turned off by itself where the kernel refuses it.")
    boolean offloads() default true;

    @AttributeDefinition(name = "ip command",
            description = "The iproute2 ip command, by name (searched in PATH, /usr/sbin and /sbin) or absolute path.")
    String ipCommand() default "ip";

    @AttributeDefinition(name = "nft command",
            description = "The nftables nft command, by name (searched in PATH, /usr/sbin and /sbin) or absolute path.")
    String nftCommand() default "nft";
}
