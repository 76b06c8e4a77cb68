package io.portcullis.auth.certificate;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis certificate authenticator",
        description = "Authenticates clients by the certificate they presented in TLS: it must chain to the client CA, "
                + "be valid now, allow clientAuth, and not be revoked by the CRL. The client CA and CRL are those of the "
                + "client's endpoint (clientRootCertificateChain, clientCertificateRevocationList); the CA and CRL files below "
                + "serve only requests whose endpoint names no client CA.")
public @interface CertificateAuthenticatorConfig {

    @AttributeDefinition(name = "CA file",
            description = "PEM file of the CA certificate(s) that issue client certificates (several may be concatenated; "
                    + "include intermediate CAs whose CRLs are used), for requests whose endpoint names no client CA of its own; "
                    + "read on the first such request. Relative paths resolve against the Karaf home; the default is "
                    + "the CA the endpoint creates at first start.")
    String caFile() default "etc/pki/ca.crt";

    @AttributeDefinition(name = "CRL file", required = false,
            description = "PEM (one or more CRLs) or DER file of certificate revocation lists, signed by the CAs of the CA file; "
                    + "empty for none. Used with the CA file only. When set, a client whose issuer has no CRL in it is refused.")
    String crlFile() default "";

    @AttributeDefinition(name = "Group attribute", required = false,
            description = "Subject attribute whose values become the user's groups (OU, O, DC, ... or a dotted OID); "
                    + "empty for no groups.")
    String groupAttribute() default "OU";

    @AttributeDefinition(name = "File check interval (seconds)",
            description = "How often the CA and CRL files (the configured ones and every endpoint's) are checked for "
                    + "changes; a changed CRL is loaded and sessions whose certificates it revokes are ended.")
    int crlCheckIntervalSeconds() default 60;
}
