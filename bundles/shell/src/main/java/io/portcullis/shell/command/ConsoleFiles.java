package io.portcullis.shell.command;

import org.apache.karaf.shell.api.console.Session;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Files the commands read and write: paths as the operator typed them, and whole-or-nothing writes. */
final class ConsoleFiles {

    /** Writes a file's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private ConsoleFiles() {
    }

    /** Relative paths resolve against the console's working directory. */
    static Path resolve(Session session, String name) {
        Path path = Path.of(name);
        if (path.isAbsolute()) {
            return path;
        }
        Path dir = session != null && session.currentDir() != null ? session.currentDir()
                : Path.of(System.getProperty("user.dir"));
        return dir.resolve(path).normalize();
    }

    /**
     * Writes a temporary file in the target's directory and moves it over the target, so readers
     * see the old content or the new, never part of it.
     *
     * @param ownerOnly mode 0600 from the start
     */
    static void writeAtomically(Path file, Content content, boolean ownerOnly) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory " + dir + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory; name a file");
        }
        FileAttribute<?>[] attributes = ownerOnly
                ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp", attributes);
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                content.writeTo(out);
            }
            if (!ownerOnly) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
