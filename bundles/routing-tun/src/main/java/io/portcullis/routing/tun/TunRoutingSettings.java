package io.portcullis.routing.tun;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The TUN engine's configuration after validation. Every refusal names the setting and says why,
 * so that an operator who mistyped a value in etc/io.portcullis.routing.tun.cfg knows what to fix.
 */
record TunRoutingSettings(String interfacePrefix, boolean sourceNat, Optional<String> natOutInterface,
                          int readerThreads, boolean readOnTransportThreads, boolean ipForwarding,
                          boolean offloads, String ipCommand, String nftCommand) {

    static final int MAX_READER_THREADS = 16;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,11}");
    /** Linux interface names: at most 15 bytes, no '/', ':', '%' or white space; we keep to a safe subset. */
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9_./+-]+");

    static TunRoutingSettings from(TunRoutingConfig config) {
        String prefix = trim(config.interfacePrefix());
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("interfacePrefix: '" + config.interfacePrefix()
                    + "' is not 1-12 characters starting with a letter, then letters, digits, '_' or '-'");
        }
        String out = trim(config.natOutInterface());
        if (!out.isEmpty() && !isInterfaceName(out)) {
            throw new IllegalArgumentException("natOutInterface: '" + config.natOutInterface()
                    + "' is not an interface name (1-15 letters, digits, '_', '.' or '-'); leave it empty for any interface");
        }
        int threads = config.readerThreads();
        if (threads < 1 || threads > MAX_READER_THREADS) {
            throw new IllegalArgumentException("readerThreads: " + threads + " is outside 1-" + MAX_READER_THREADS);
        }
        return new TunRoutingSettings(prefix, config.sourceNat(), out.isEmpty() ? Optional.empty() : Optional.of(out),
                threads, config.readOnTransportThreads(), config.ipForwarding(), config.offloads(),
                command("ipCommand", config.ipCommand()),
                command("nftCommand", config.nftCommand()));
    }

    static boolean isInterfaceName(String name) {
        return name != null && INTERFACE.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    private static String command(String setting, String value) {
        String text = trim(value);
        if (!COMMAND.matcher(text).matches()) {
            throw new IllegalArgumentException(setting + ": '" + value
                    + "' is not a command name or absolute path (no spaces or shell syntax)");
        }
        return text;
    }

    private static String trim(String value) {
        return value == null ? "" : value.trim();
    }
}
