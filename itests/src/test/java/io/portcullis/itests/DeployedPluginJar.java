package io.portcullis.itests;

import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.api.auth.Authenticator;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A minimal third-party plugin, packed at test time into a bundle jar as an operator would drop it
 * into deploy/: an authenticator that refuses everyone, registered by its activator.
 */
public final class DeployedPluginJar {

    static final String NAME = "deployed-probe";
    static final String SYMBOLIC_NAME = "io.portcullis.itests.deployed";

    private DeployedPluginJar() {
    }

    /** Writes the bundle to {@code target} atomically, so fileinstall never sees half a jar. */
    static void write(Path target) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SYMBOLIC_NAME);
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Bundle-Activator", Activator.class.getName());
        main.putValue("Import-Package", "io.portcullis.api.auth;version=\"[1.0,2)\",org.osgi.framework");
        Path temp = Files.createTempFile(target.getParent(), ".deploying", ".tmp");
        try (OutputStream file = Files.newOutputStream(temp); JarOutputStream jar = new JarOutputStream(file, manifest)) {
            for (Class<?> type : new Class<?>[]{Activator.class, RefuseAll.class}) {
                String entry = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(entry));
                try (InputStream bytes = type.getClassLoader().getResourceAsStream(entry)) {
                    bytes.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    public static final class Activator implements BundleActivator {
        @Override
        public void start(BundleContext context) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(Authenticator.NAME_PROPERTY, NAME);
            context.registerService(Authenticator.class, new RefuseAll(), properties);
        }

        @Override
        public void stop(BundleContext context) {
            // the framework unregisters the service
        }
    }

    public static final class RefuseAll implements Authenticator {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public CompletionStage<AuthenticationResult> authenticate(AuthenticationRequest request) {
            return CompletableFuture.completedFuture(new AuthenticationResult.Rejected("refuses everyone"));
        }
    }
}
