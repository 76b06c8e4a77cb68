package io.portcullis.routing.tun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The real host adapter's messages and its sysctl handling, on a stand-in /proc/sys. */
class SystemHostNetworkTest {

    @Test
    void aMissingNftSaysWhatToInstallOrChange() {
        SystemHostNetwork host = new SystemHostNetwork("ip", "nft-that-is-not-installed");
        String message = assertThrows(IOException.class, host::checkNftables).getMessage();
        assertTrue(message.contains("nft-that-is-not-installed"), message);
        assertTrue(message.contains("apt-get install nftables"), message);
        assertTrue(message.contains("nftCommand in etc/io.portcullis.routing.tun.cfg"), message);
    }

    @Test
    void anAbsoluteCommandMustBeExecutable(@TempDir Path dir) throws IOException {
        Path notExecutable = Files.writeString(dir.resolve("nft"), "#!/bin/sh\n");
        String message = assertThrows(IOException.class,
                () -> SystemHostNetwork.resolve(notExecutable.toString(), "nftCommand", "nftables")).getMessage();
        assertTrue(message.contains("is not an executable file"), message);
        assertEquals("/bin/sh", SystemHostNetwork.resolve("/bin/sh", "x", "y"));
        assertTrue(SystemHostNetwork.resolve("sh", "x", "y").endsWith("/sh"));
    }

    @Test
    void forwardingIsTurnedOnOnlyWhenOff(@TempDir Path procSys) throws IOException {
        Path ipv4 = procSys.resolve("net/ipv4/ip_forward");
        Path ipv6 = procSys.resolve("net/ipv6/conf/all/forwarding");
        Files.createDirectories(ipv4.getParent());
        Files.createDirectories(ipv6.getParent());
        Files.writeString(ipv4, "0\n");
        Files.writeString(ipv6, "1\n");
        SystemHostNetwork host = new SystemHostNetwork("ip", "nft", procSys);
        assertTrue(host.enableForwarding(false));
        assertEquals("1", Files.readString(ipv4).trim());
        assertFalse(host.enableForwarding(false), "already on");
        assertFalse(host.enableForwarding(true), "already on");
    }

    @Test
    void forwardingThatCannotBeTurnedOnSaysWhatToDo(@TempDir Path procSys) {
        SystemHostNetwork host = new SystemHostNetwork("ip", "nft", procSys); // no such files
        String message = assertThrows(IOException.class, () -> host.enableForwarding(false)).getMessage();
        assertTrue(message.startsWith("cannot turn on net.ipv4.ip_forward"), message);
        assertTrue(message.contains("sysctl -w net.ipv4.ip_forward=1"), message);
        assertTrue(message.contains("ipForwarding=false"), message);
    }
}
