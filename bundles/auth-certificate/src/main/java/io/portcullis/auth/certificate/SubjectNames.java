package io.portcullis.auth.certificate;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import javax.security.auth.x500.X500Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Attribute values of a certificate's subject name, in the order they appear in its DER encoding. */
final class SubjectNames {

    private SubjectNames() {
    }

    /**
     * The object identifier of an attribute named as in a DN string ({@code OU}, {@code O},
     * {@code DC}, {@code emailAddress}...) or given as a dotted OID.
     *
     * @throws IllegalArgumentException if the name is not known
     */
    static ASN1ObjectIdentifier attribute(String name) {
        String trimmed = name.trim();
        if (trimmed.matches("[0-9]+(\\.[0-9]+)+")) {
            return new ASN1ObjectIdentifier(trimmed);
        }
        return BCStyle.INSTANCE.attrNameToOID(trimmed);
    }

    /** Every value of {@code attribute} in the name, in DER order (multi-valued RDNs included). */
    static List<String> values(X500Principal name, ASN1ObjectIdentifier attribute) {
        List<String> values = new ArrayList<>();
        for (RDN rdn : X500Name.getInstance(name.getEncoded()).getRDNs()) {
            for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                if (value.getType().equals(attribute)) {
                    values.add(text(value.getValue()));
                }
            }
        }
        return values;
    }

    /** The last CN of the name, as OpenVPN takes the common name. */
    static Optional<String> commonName(X500Principal name) {
        List<String> names = values(name, BCStyle.CN);
        return names.isEmpty() ? Optional.empty() : Optional.of(names.get(names.size() - 1));
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String s ? s.getString() : IETFUtils.valueToString(value);
    }
}
