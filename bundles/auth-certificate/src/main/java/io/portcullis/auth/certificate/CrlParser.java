package io.portcullis.auth.certificate;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.OutputStream;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads one DER X.509 v2 CRL (RFC 5280 section 5), verifies its signature with the configured CA
 * that issued it, then indexes its entries. The entries are walked in place with {@link Der}, so a
 * CRL of a million entries costs one pass and no per-entry objects beyond the compact index.
 * <p>
 * Refused, with the reason: a CRL not signed by a configured CA, delta and indirect CRLs, and any
 * critical extension this parser does not process (RFC 5280 forbids using such a CRL).
 */
final class CrlParser {

    // Extension OID values (2.5.29.x): the bytes after the OID tag and length.
    private static final byte[] CRL_NUMBER = {0x55, 0x1D, 0x14};
    private static final byte[] REASON_CODE = {0x55, 0x1D, 0x15};
    private static final byte[] INVALIDITY_DATE = {0x55, 0x1D, 0x18};
    private static final byte[] DELTA_CRL_INDICATOR = {0x55, 0x1D, 0x1B};
    private static final byte[] ISSUING_DISTRIBUTION_POINT = {0x55, 0x1D, 0x1C};
    private static final byte[] CERTIFICATE_ISSUER = {0x55, 0x1D, 0x1D};
    private static final byte[] AUTHORITY_KEY_IDENTIFIER = {0x55, 0x1D, 0x23};
    private static final byte[] ISSUER_ALT_NAME = {0x55, 0x1D, 0x12};

    private CrlParser() {
    }

    /**
     * @param cas the configured CA certificates; the CRL must be signed by one of them
     * @throws CrlException saying what is wrong, for the operator
     */
    static RevocationList parse(byte[] der, List<X509Certificate> cas) throws CrlException {
        try {
            Der outer = new Der(der, 0, der.length).next(Der.SEQUENCE, "CertificateList");
            if (outer.end() != der.length) {
                throw new CrlException("trailing bytes after the CRL");
            }
            Der list = outer.inside();
            Der tbs = list.next(Der.SEQUENCE, "tbsCertList").inside();
            int tbsStart = list.start;
            int tbsEnd = list.end();
            list.next(Der.SEQUENCE, "signatureAlgorithm");
            byte[] algorithm = Arrays.copyOfRange(der, list.start, list.end());
            list.next(Der.BIT_STRING, "signatureValue");
            if (list.valueLength < 1 || der[list.valueOffset] != 0) {
                throw new CrlException("signature bit string has unused bits");
            }
            byte[] signature = Arrays.copyOfRange(der, list.valueOffset + 1, list.end());
            if (list.hasMore()) {
                throw new CrlException("unexpected element after the signature");
            }

            tbs.next();
            if (tbs.tag == Der.INTEGER) {
                if (tbs.valueLength != 1 || der[tbs.valueOffset] != 1) {
                    throw new CrlException("not a version 2 CRL");
                }
                tbs.next();
            }
            if (tbs.tag != Der.SEQUENCE || !Arrays.equals(der, tbs.start, tbs.end(), algorithm, 0, algorithm.length)) {
                throw new CrlException("inner and outer signature algorithms differ");
            }
            tbs.next(Der.SEQUENCE, "issuer");
            X500Principal issuer = new X500Principal(Arrays.copyOfRange(der, tbs.start, tbs.end()));
            X509Certificate signer = verifySignature(der, tbsStart, tbsEnd, algorithm, signature, issuer, cas);

            tbs.next();
            Instant thisUpdate = Instant.ofEpochSecond(tbs.time());
            Optional<Instant> nextUpdate = Optional.empty();
            if (tbs.peekTag() == Der.UTC_TIME || tbs.peekTag() == Der.GENERALIZED_TIME) {
                nextUpdate = Optional.of(Instant.ofEpochSecond(tbs.next().time()));
            }
            RevokedSerials.Builder serials = new RevokedSerials.Builder();
            if (tbs.peekTag() == Der.SEQUENCE) {
                readEntries(tbs.next().inside(), serials);
            }
            if (tbs.peekTag() == Der.CONTEXT_0) {
                checkCrlExtensions(tbs.next().inside().next(Der.SEQUENCE, "crlExtensions").inside());
            }
            if (tbs.hasMore()) {
                throw new CrlException("unexpected element (tag 0x" + Integer.toHexString(tbs.peekTag()) + ") in tbsCertList");
            }
            return new RevocationList(signer.getSubjectX500Principal(), thisUpdate, nextUpdate, serials.build());
        } catch (Der.MalformedException e) {
            throw new CrlException("malformed DER: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CrlException("malformed issuer name: " + e.getMessage());
        }
    }

    private static X509Certificate verifySignature(byte[] der, int tbsStart, int tbsEnd, byte[] algorithm,
                                                   byte[] signature, X500Principal issuer,
                                                   List<X509Certificate> cas) throws CrlException {
        AlgorithmIdentifier algorithmId;
        try {
            algorithmId = AlgorithmIdentifier.getInstance(ASN1Primitive.fromByteArray(algorithm));
        } catch (IOException | IllegalArgumentException e) {
            throw new CrlException("malformed signature algorithm");
        }
        boolean issuerKnown = false;
        String failure = null;
        for (X509Certificate ca : cas) {
            if (!ca.getSubjectX500Principal().equals(issuer)) {
                continue;
            }
            issuerKnown = true;
            boolean[] keyUsage = ca.getKeyUsage();
            if (keyUsage != null && (keyUsage.length <= 6 || !keyUsage[6])) {
                failure = "the CA certificate's key usage does not include cRLSign";
                continue;
            }
            try {
                ContentVerifier verifier = new JcaContentVerifierProviderBuilder().build(ca.getPublicKey()).get(algorithmId);
                try (OutputStream out = verifier.getOutputStream()) {
                    out.write(der, tbsStart, tbsEnd - tbsStart);
                }
                if (verifier.verify(signature)) {
                    return ca;
                }
                failure = "the signature does not verify with the CA's key";
            } catch (Exception e) {
                failure = "the signature cannot be checked: " + e.getMessage();
            }
        }
        if (!issuerKnown) {
            throw new CrlException("issued by " + issuer.getName() + ", which is not a configured CA");
        }
        throw new CrlException("CRL of " + issuer.getName() + " refused: " + failure);
    }

    private static void readEntries(Der entries, RevokedSerials.Builder serials) throws Der.MalformedException, CrlException {
        byte[] der = entries.data();
        Der entry = new Der(der, 0, 0);
        Der extensions = new Der(der, 0, 0);
        Der extension = new Der(der, 0, 0);
        while (entries.hasMore()) {
            entries.next(Der.SEQUENCE, "revoked certificate entry");
            entries.inside(entry);
            entry.next(Der.INTEGER, "userCertificate serial");
            int serialOffset = entry.valueOffset;
            int serialLength = entry.valueLength;
            if (serialLength == 0) {
                throw new CrlException("empty serial number in an entry");
            }
            entry.next();
            long revokedAt = entry.time();
            int reason = RevokedSerials.NO_REASON;
            if (entry.hasMore()) {
                entry.next(Der.SEQUENCE, "crlEntryExtensions").inside(extensions);
                while (extensions.hasMore()) {
                    extensions.next(Der.SEQUENCE, "extension").inside(extension);
                    extension.next(Der.OID, "extension id");
                    int oidOffset = extension.valueOffset;
                    int oidLength = extension.valueLength;
                    boolean critical = criticalAndSkip(extension);
                    extension.next(Der.OCTET_STRING, "extension value");
                    if (is(der, oidOffset, oidLength, REASON_CODE)) {
                        Der value = extension.inside().next(Der.ENUMERATED, "reason code");
                        if (value.valueLength != 1) {
                            throw new CrlException("bad reason code");
                        }
                        reason = der[value.valueOffset];
                    } else if (is(der, oidOffset, oidLength, CERTIFICATE_ISSUER)) {
                        throw new CrlException("indirect CRLs (entry certificateIssuer) are not supported");
                    } else if (critical && !is(der, oidOffset, oidLength, INVALIDITY_DATE)) {
                        throw new CrlException("an entry has an unsupported critical extension");
                    }
                }
                if (entry.hasMore()) {
                    throw new CrlException("unexpected element in an entry");
                }
            }
            if (reason != RevokedSerials.REMOVE_FROM_CRL) {
                serials.add(der, serialOffset, serialLength, revokedAt, reason);
            }
        }
    }

    private static void checkCrlExtensions(Der extensions) throws Der.MalformedException, CrlException {
        byte[] der = extensions.data();
        while (extensions.hasMore()) {
            Der extension = extensions.next(Der.SEQUENCE, "extension").inside();
            extension.next(Der.OID, "extension id");
            int oidOffset = extension.valueOffset;
            int oidLength = extension.valueLength;
            boolean critical = criticalAndSkip(extension);
            if (is(der, oidOffset, oidLength, DELTA_CRL_INDICATOR)) {
                throw new CrlException("delta CRLs are not supported; give the full CRL");
            }
            if (critical && is(der, oidOffset, oidLength, ISSUING_DISTRIBUTION_POINT)) {
                throw new CrlException("partitioned CRLs (critical issuingDistributionPoint) are not supported");
            }
            if (critical && !is(der, oidOffset, oidLength, CRL_NUMBER) && !is(der, oidOffset, oidLength, AUTHORITY_KEY_IDENTIFIER)
                    && !is(der, oidOffset, oidLength, ISSUER_ALT_NAME)) {
                throw new CrlException("the CRL has an unsupported critical extension");
            }
        }
    }

    /** Reads the optional critical flag; leaves the cursor before the extension value. */
    private static boolean criticalAndSkip(Der extension) throws Der.MalformedException {
        if (extension.peekTag() != Der.BOOLEAN) {
            return false;
        }
        extension.next();
        return extension.valueLength == 1 && extension.data()[extension.valueOffset] != 0;
    }

    private static boolean is(byte[] der, int offset, int length, byte[] oid) {
        return length == oid.length && Arrays.equals(der, offset, offset + length, oid, 0, oid.length);
    }

    /** The CRL is unusable; the message says why. */
    static final class CrlException extends Exception {
        private static final long serialVersionUID = 1L;

        CrlException(String message) {
            super(message);
        }
    }
}
