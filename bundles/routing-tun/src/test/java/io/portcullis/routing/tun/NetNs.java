package io.portcullis.routing.tun;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: named network namespaces (ip netns) and threads that live in one. A thread that
 * calls setns(CLONE_NEWNET) moves alone; devices it creates, sockets it opens and commands it
 * starts all belong to the namespace, while the rest of the JVM stays where it was.
 */
final class NetNs {

    private static final int CLONE_NEWNET = 0x40000000;

    static {
        Native.register(NetNs.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private NetNs() {
    }

    private static native int setns(int fd, int nstype);

    private static native int capget(com.sun.jna.Pointer header, com.sun.jna.Pointer data);

    private static native int capset(com.sun.jna.Pointer header, com.sun.jna.Pointer data);

    /** Drops CAP_NET_ADMIN from the calling thread's effective set (capabilities are per thread). */
    static void dropNetAdmin() {
        try (com.sun.jna.Memory header = new com.sun.jna.Memory(8); com.sun.jna.Memory data = new com.sun.jna.Memory(24)) {
            header.setInt(0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
            header.setInt(4, 0);          // this thread
            if (capget(header, data) < 0) {
                throw new IllegalStateException("capget: " + LibC.describe(LibC.errno()));
            }
            data.setInt(0, data.getInt(0) & ~(1 << 12)); // effective, CAP_NET_ADMIN = 12
            if (capset(header, data) < 0) {
                throw new IllegalStateException("capset: " + LibC.describe(LibC.errno()));
            }
        }
    }

    /** Moves the calling thread into the named namespace. */
    static void enter(String name) {
        String path = "/var/run/netns/" + name;
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IllegalStateException("cannot open " + path + ": " + LibC.describe(LibC.errno()));
        }
        try {
            if (setns(fd, CLONE_NEWNET) < 0) {
                throw new IllegalStateException("setns " + path + ": " + LibC.describe(LibC.errno()));
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** Threads that enter the namespace before running anything. */
    static ThreadFactory threads(String name, String threadName) {
        return runnable -> {
            Thread thread = new Thread(() -> {
                enter(name);
                runnable.run();
            }, threadName);
            thread.setDaemon(true);
            return thread;
        };
    }

    record Result(int exit, String output) {
    }

    /** Runs a command (from the calling thread, so in its namespace) and returns exit code and output. */
    static Result run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(List.of(command) + " hung");
            }
            return new Result(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command that must succeed. */
    static String check(String... command) {
        Result result = run(command);
        if (result.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exit() + "): "
                    + result.output());
        }
        return result.output();
    }
}
