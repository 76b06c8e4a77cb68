package io.portcullis.endpoint.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An endpoint's append-only connection log: one JSON object per line in {@code <directory>/<endpoint>.log},
 * rotated by size to {@code .1}, {@code .2}, ... and kept for a configured number of files. Each
 * entry is written to the file (a {@code write} to the kernel) before {@link #append} returns, so the
 * endpoint appends before it answers the client and a crash of the appliance loses no entry a
 * client saw. Control path only: never called per packet.
 */
public final class ConnectionLog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConnectionLog.class.getName());

    private final Path file;
    private final long maxBytes;
    private final int keepFiles;
    private FileChannel channel;
    private long size;
    private boolean failing;

    public ConnectionLog(Path directory, String endpointId, long maxBytes, int keepFiles) throws IOException {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.file = directory.resolve(endpointId + ".log");
        this.maxBytes = maxBytes;
        this.keepFiles = keepFiles;
        open();
    }

    public Path file() {
        return file;
    }

    public synchronized void append(ConnectionLogEntry entry) {
        byte[] line = (entry.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + line.length > maxBytes) {
                rotate();
            }
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += line.length;
            failing = false;
        } catch (IOException e) {
            if (!failing) { // one warning per outage, not one per connection
                LOG.log(Level.WARNING, "cannot write the connection log " + file + ": " + e.getMessage(), e);
                failing = true;
            }
        }
    }

    /** The last {@code count} entries, oldest first, from the current file and the rotated ones. */
    public synchronized List<String> tail(int count) throws IOException {
        Deque<String> lines = new ArrayDeque<>();
        for (int i = 0; i <= keepFiles && lines.size() < count; i++) {
            Path p = i == 0 ? file : rotated(i);
            if (!Files.exists(p)) {
                break;
            }
            List<String> content = Files.readAllLines(p, StandardCharsets.UTF_8);
            for (int j = content.size() - 1; j >= 0 && lines.size() < count; j--) {
                lines.addFirst(content.get(j));
            }
        }
        return new ArrayList<>(lines);
    }

    private void rotate() throws IOException {
        channel.close();
        Files.deleteIfExists(rotated(keepFiles));
        for (int i = keepFiles - 1; i >= 1; i--) {
            if (Files.exists(rotated(i))) {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keepFiles >= 1) {
            Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(file);
        }
        open();
    }

    private Path rotated(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    private void open() throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing " + file, e);
        }
    }
}
