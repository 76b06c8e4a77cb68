package io.portcullis.shell.command;

import io.portcullis.api.PluginKind;

/** One plugin service as {@code vpn:plugins} shows it. */
record PluginRow(PluginKind kind, String name, long bundleId, String bundleName, String bundleState,
                 String details) {
}
