package io.portcullis.protocol.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A NUL-terminated text message from the client on the control channel. Several may share
 * one TLS record. Keywords are matched by prefix, as OpenVPN does.
 */
public sealed interface ClientMessage
        permits ClientMessage.PushRequest, ClientMessage.Exit, ClientMessage.CrResponse, ClientMessage.Other {

    /** The client is ready for its configuration (repeated every 5 s until answered). */
    record PushRequest() implements ClientMessage {
    }

    /** The client is leaving (sent when {@code protocol-flags cc-exit} was pushed). */
    record Exit() implements ClientMessage {
    }

    /** Answer to a CR_TEXT challenge; {@code base64Response} is as sent. */
    record CrResponse(String base64Response) implements ClientMessage {
        @Override
        public String toString() {
            return "CrResponse[***]";
        }
    }

    /** Anything else, e.g. a future keyword; callers usually log and ignore it. */
    record Other(String text) implements ClientMessage {
    }

    /** Splits decrypted control-channel bytes at NULs; empty pieces are skipped. */
    static List<ClientMessage> parseAll(byte[] plaintext) {
        List<ClientMessage> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= plaintext.length; i++) {
            if (i == plaintext.length || plaintext[i] == 0) {
                if (i > start) {
                    out.add(parse(new String(plaintext, start, i - start, StandardCharsets.UTF_8)));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Recognises one message (without its NUL); trailing CR/LF are ignored. */
    static ClientMessage parse(String text) {
        String t = text.stripTrailing();
        if (t.startsWith("PUSH_REQUEST")) {
            return new PushRequest();
        }
        if (t.startsWith("EXIT")) {
            return new Exit();
        }
        if (t.startsWith("CR_RESPONSE,")) {
            return new CrResponse(t.substring("CR_RESPONSE,".length()));
        }
        return new Other(t);
    }
}
