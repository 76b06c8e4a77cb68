package io.portcullis.handler.clientversion;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The handler's configuration after validation. Every refusal names the setting and says why, so
 * that an operator who mistyped a value in etc/io.portcullis.handler.clientversion.cfg knows what
 * to fix.
 *
 * @param minimumClientVersion the oldest version allowed, if any
 * @param allowedPlatforms     lower-case IV_PLAT values allowed, in the configured order; empty for any
 * @param denyUnknownVersion   whether a client without a usable IV_VER is denied when a minimum is set
 */
record ClientVersionSettings(Optional<OpenVpnVersion> minimumClientVersion, Set<String> allowedPlatforms,
                             boolean denyUnknownVersion) {

    /** Allows every client. */
    static final ClientVersionSettings DEFAULTS = new ClientVersionSettings(Optional.empty(), Set.of(), true);

    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");

    /** Names operators may write that no client sends as IV_PLAT, with the value those clients do send. */
    private static final Map<String, String> MISTAKES = Map.of(
            "windows", "win",
            "win32", "win",
            "win64", "win",
            "macos", "mac",
            "osx", "mac",
            "darwin", "mac",
            "iphone", "ios",
            "ipad", "ios",
            "ipados", "ios");

    ClientVersionSettings {
        allowedPlatforms = Collections.unmodifiableSet(new LinkedHashSet<>(allowedPlatforms));
    }

    static ClientVersionSettings from(ClientVersionHandlerConfig config) {
        String minimum = config.minimumClientVersion() == null ? "" : config.minimumClientVersion().strip();
        Optional<OpenVpnVersion> minimumVersion = Optional.empty();
        if (!minimum.isEmpty()) {
            minimumVersion = OpenVpnVersion.parseStrict(minimum);
            if (minimumVersion.isEmpty()) {
                throw new IllegalArgumentException("minimumClientVersion: '" + minimum
                        + "' is not a version such as 2.5.0 (empty allows any version)");
            }
        }
        return new ClientVersionSettings(minimumVersion, platforms(config.allowedPlatforms()), config.denyUnknownVersion());
    }

    private static Set<String> platforms(String value) {
        Set<String> platforms = new LinkedHashSet<>();
        if (value == null || value.isBlank()) {
            return platforms;
        }
        for (String item : value.split(",", -1)) {
            String platform = item.strip().toLowerCase(Locale.ROOT);
            if (platform.isEmpty()) {
                throw new IllegalArgumentException("allowedPlatforms: '" + value.strip()
                        + "' has an empty entry; separate platform names with single commas");
            }
            String meant = MISTAKES.get(platform);
            if (meant != null) {
                throw new IllegalArgumentException("allowedPlatforms: '" + item.strip()
                        + "' is not a platform name clients send; write '" + meant + "'");
            }
            if (!PLATFORM.matcher(platform).matches()) {
                throw new IllegalArgumentException("allowedPlatforms: '" + item.strip()
                        + "' is not a platform name such as linux, win, mac, ios, android");
            }
            platforms.add(platform);
        }
        return platforms;
    }
}
