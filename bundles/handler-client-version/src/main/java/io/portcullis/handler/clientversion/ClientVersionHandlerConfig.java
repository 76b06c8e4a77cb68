package io.portcullis.handler.clientversion;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis client-version connect handler",
        description = "Allows a signed-in connection only if the client's OpenVPN version (IV_VER) is at least the "
                + "minimum and its platform (IV_PLAT) is allowed. An endpoint uses it when its connectionHandler "
                + "setting is client-version. The defaults allow every client.")
public @interface ClientVersionHandlerConfig {

    @AttributeDefinition(name = "Minimum client version", required = false,
            description = "Oldest OpenVPN version allowed, e.g. 2.5.0 (1 to 3 numbers; missing ones count as 0); "
                    + "empty allows any version. Versions compare by their leading numbers: 2.6_git is 2.6.0, "
                    + "OpenVPN 3 clients' 3.git:... is 3.0.0.")
    String minimumClientVersion() default "";

    @AttributeDefinition(name = "Allowed platforms", required = false,
            description = "Comma-separated IV_PLAT values allowed, e.g. linux, win, mac, ios, android (case does "
                    + "not matter); empty allows any platform. When set, a client that reports no platform is denied.")
    String allowedPlatforms() default "";

    @AttributeDefinition(name = "Deny unknown version",
            description = "When a minimum version is set, deny a client that does not report its version (IV_VER) "
                    + "or reports one that does not start with a number. Without a minimum it has no effect.")
    boolean denyUnknownVersion() default true;
}
