package io.portcullis.shell.command;

import io.portcullis.api.PluginKind;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

import java.util.Arrays;
import java.util.List;

/** Completes the plugin kinds: transport, authenticator, routing. */
@Service
public class PluginKindCompleter implements Completer {

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter labels = new StringsCompleter(
                Arrays.stream(PluginKind.values()).map(PluginKind::label).toList());
        return labels.complete(session, commandLine, candidates);
    }
}
