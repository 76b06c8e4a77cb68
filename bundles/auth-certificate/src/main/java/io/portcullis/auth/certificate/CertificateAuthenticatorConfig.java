package io.portcullis.auth.certificate;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        name = "Portcullis certificate authenticator",
        description = "Authenticates clients by the certificate they presented in TLS: it must chain to a configured CA, "
                + "be valid now, allow clientAuth, and not be revoked by the configured CRL.")
public @interface CertificateAuthenticatorConfig {

    @AttributeDefinition(name = "CA file",
            description = "PEM file of the CA certificate(s) that issue client certificates (several may be concatenated; "
                    + "include intermediate CAs whose CRLs are used). Relative paths resolve against the Karaf home; the default is "
                    + "the CA the endpoint creates at first start.")
    String caFile() default "etc/pki/ca.crt";

    @AttributeDefinition(name = "CRL file", required = false,
            description = "PEM (one or more CRLs) or DER file of certificate revocation lists, signed by the configured CAs; "
                    + "empty for none. When set, a client whose issuer has no CRL in it is refused.")
    String crlFile() default "";

    @AttributeDefinition(name = "Group attribute", required = false,
            description = "Subject attribute whose values become the user's groups (OU, O, DC, ... or a dotted OID); "
                    + "empty for no groups.")
    String groupAttribute() default "OU";

    @AttributeDefinition(name = "File check interval (seconds)",
            description = "How often the CA and CRL files are checked for changes; a changed CRL is loaded and "
                    + "sessions whose certificates it revokes are ended.")
    int crlCheckIntervalSeconds() default 60;
}
