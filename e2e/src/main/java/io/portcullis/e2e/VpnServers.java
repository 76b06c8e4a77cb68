package io.portcullis.e2e;

import java.util.List;

/** Servers under test by name, for the benchmark's {@code --server} option and test parameters. */
public final class VpnServers {

    public static final List<String> NAMES = List.of("stock", "portcullis");

    private VpnServers() {}

    public static VpnServerUnderTest create(String name, Processes processes) {
        return switch (name) {
            case "stock", "stock-openvpn" -> new StockOpenVpnServer(processes);
            case "portcullis", "appliance" -> new PortcullisAppliance(processes);
            default -> throw new IllegalArgumentException("unknown server '" + name + "'; known: " + NAMES);
        };
    }
}
