package io.portcullis.protocol.wrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/** Datagrams captured from stock OpenVPN 2.6.14 (see test resources README). */
record Capture(boolean clientToServer, byte[] bytes) {

    static List<Capture> load(String name) {
        return resource(name).lines()
                .map(l -> new Capture(l.startsWith("C2S"), HexFormat.of().parseHex(l.substring(4).trim())))
                .toList();
    }

    static String resource(String name) {
        try (InputStream in = Capture.class.getResourceAsStream("/openvpn-2.6.14/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StaticKey key(String name) {
        return StaticKey.parse(resource(name)).valueOrNull();
    }
}
