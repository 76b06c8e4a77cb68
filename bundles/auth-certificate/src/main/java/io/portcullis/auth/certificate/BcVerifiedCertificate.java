package io.portcullis.auth.certificate;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.io.Serial;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.EllipticCurve;
import java.security.spec.X509EncodedKeySpec;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A client's certificate whose signature is checked by Bouncy Castle's provider; everything else is
 * the wrapped certificate's own answer. On JDK 17 SunEC verifies a P-256 signature in about 0.65 ms,
 * Bouncy Castle in about 0.08 ms, and that verification was most of the validator's CPU per handshake.
 * The JDK's PKIX validator, given these, still makes every check it made (its only signature check
 * calls {@link #verify(PublicKey, String)}, and it reads the rest through the getters, or a parse of
 * {@link #getEncoded()} served from the JDK's certificate cache); only the provider changes.
 * <p>
 * Whatever provider a caller names, Bouncy Castle verifies, except where it would change a verdict:
 * an EC key on a curve other than P-256, P-384 and P-521 (SunEC on JDK 17 refuses secp256k1,
 * brainpool and the like, Bouncy Castle would accept them), or a key or algorithm Bouncy Castle does
 * not take. There the JDK's providers decide, as before. A successful verification is remembered with
 * its key, as the JDK's own certificate does, so PKIX does not repeat the one the path search made.
 * Made for one validation and not shared.
 */
final class BcVerifiedCertificate extends X509Certificate {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Private, not added to the JVM's providers: that would outlive this bundle across an update. */
    private static final Provider BC = new BouncyCastleProvider();

    /** The curves SunEC and Bouncy Castle both verify on; on other EC curves the JDK decides. */
    private static final Set<EllipticCurve> BC_CURVES = Set.of(curve("secp256r1"), curve("secp384r1"), curve("secp521r1"));

    /**
     * Bouncy Castle's own form of the EC issuer keys last used (the configured CAs, the intermediates
     * clients send): handed a JDK key, it converts it and recomputes the key's point multiples on
     * every verification, 0.2 ms instead of 0.08. Bounded, since a client can send CAs of its making.
     */
    private static final int BC_KEYS_KEPT = 64;
    private static final Map<PublicKey, PublicKey> BC_KEYS = Collections.synchronizedMap(
            new LinkedHashMap<PublicKey, PublicKey>(16, 0.75f, true) {
                @Serial
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<PublicKey, PublicKey> eldest) {
                    return size() > BC_KEYS_KEPT;
                }
            });

    private final X509Certificate delegate;
    private transient volatile PublicKey verifiedKey;

    BcVerifiedCertificate(X509Certificate delegate) {
        this.delegate = Objects.requireNonNull(delegate, "certificate");
    }

    static List<X509Certificate> all(List<X509Certificate> certificates) {
        return certificates.stream().<X509Certificate>map(BcVerifiedCertificate::new).toList();
    }

    /** The certificate as the caller gave it, for anything that outlives the validation. */
    static X509Certificate unwrap(X509Certificate certificate) {
        return certificate instanceof BcVerifiedCertificate bc ? bc.delegate : certificate;
    }

    @Override
    public void verify(PublicKey key) throws CertificateException, NoSuchAlgorithmException, InvalidKeyException,
            SignatureException {
        verifySignature(key);
    }

    @Override
    public void verify(PublicKey key, String sigProvider) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, SignatureException {
        verifySignature(key);
    }

    @Override
    public void verify(PublicKey key, Provider sigProvider) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, SignatureException {
        verifySignature(key);
    }

    private void verifySignature(PublicKey key) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, SignatureException {
        PublicKey verified = verifiedKey;
        if (verified != null && verified.equals(key)) {
            return;
        }
        if (key instanceof ECPublicKey ec && !BC_CURVES.contains(ec.getParams().getCurve())) {
            delegate.verify(key, (Provider) null); // null: the JDK's providers
        } else {
            try {
                delegate.verify(key instanceof ECPublicKey ec ? bcKey(ec) : key, BC);
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                delegate.verify(key, (Provider) null); // not one Bouncy Castle takes: the JDK decides
            } catch (RuntimeException e) {
                // An unchecked failure inside the provider (a malformed key or signature) is still a
                // signature that does not verify: PKIX reports that, where a RuntimeException escapes it.
                throw new SignatureException("signature check failed: " + e, e);
            }
        }
        verifiedKey = key;
    }

    private static PublicKey bcKey(ECPublicKey key) throws InvalidKeyException {
        PublicKey bcKey = BC_KEYS.get(key);
        if (bcKey == null) {
            try {
                bcKey = KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(key.getEncoded()));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new InvalidKeyException("Bouncy Castle does not take the key: " + e, e);
            }
            BC_KEYS.put(key, bcKey);
        }
        return bcKey;
    }

    private static EllipticCurve curve(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class).getCurve();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK does not know the curve " + name, e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other == this || delegate.equals(other instanceof BcVerifiedCertificate bc ? bc.delegate : other);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    @Override
    public byte[] getEncoded() throws CertificateEncodingException {
        return delegate.getEncoded();
    }

    @Override
    public PublicKey getPublicKey() {
        return delegate.getPublicKey();
    }

    @Override
    public void checkValidity() throws CertificateExpiredException, CertificateNotYetValidException {
        delegate.checkValidity();
    }

    @Override
    public void checkValidity(Date date) throws CertificateExpiredException, CertificateNotYetValidException {
        delegate.checkValidity(date);
    }

    @Override
    public int getVersion() {
        return delegate.getVersion();
    }

    @Override
    public BigInteger getSerialNumber() {
        return delegate.getSerialNumber();
    }

    @SuppressWarnings("deprecation")
    @Override
    public Principal getIssuerDN() {
        return delegate.getIssuerDN();
    }

    @Override
    public X500Principal getIssuerX500Principal() {
        return delegate.getIssuerX500Principal();
    }

    @SuppressWarnings("deprecation")
    @Override
    public Principal getSubjectDN() {
        return delegate.getSubjectDN();
    }

    @Override
    public X500Principal getSubjectX500Principal() {
        return delegate.getSubjectX500Principal();
    }

    @Override
    public Date getNotBefore() {
        return delegate.getNotBefore();
    }

    @Override
    public Date getNotAfter() {
        return delegate.getNotAfter();
    }

    @Override
    public byte[] getTBSCertificate() throws CertificateEncodingException {
        return delegate.getTBSCertificate();
    }

    @Override
    public byte[] getSignature() {
        return delegate.getSignature();
    }

    @Override
    public String getSigAlgName() {
        return delegate.getSigAlgName();
    }

    @Override
    public String getSigAlgOID() {
        return delegate.getSigAlgOID();
    }

    @Override
    public byte[] getSigAlgParams() {
        return delegate.getSigAlgParams();
    }

    @Override
    public boolean[] getIssuerUniqueID() {
        return delegate.getIssuerUniqueID();
    }

    @Override
    public boolean[] getSubjectUniqueID() {
        return delegate.getSubjectUniqueID();
    }

    @Override
    public boolean[] getKeyUsage() {
        return delegate.getKeyUsage();
    }

    @Override
    public List<String> getExtendedKeyUsage() throws CertificateParsingException {
        return delegate.getExtendedKeyUsage();
    }

    @Override
    public int getBasicConstraints() {
        return delegate.getBasicConstraints();
    }

    @Override
    public Collection<List<?>> getSubjectAlternativeNames() throws CertificateParsingException {
        return delegate.getSubjectAlternativeNames();
    }

    @Override
    public Collection<List<?>> getIssuerAlternativeNames() throws CertificateParsingException {
        return delegate.getIssuerAlternativeNames();
    }

    @Override
    public boolean hasUnsupportedCriticalExtension() {
        return delegate.hasUnsupportedCriticalExtension();
    }

    @Override
    public Set<String> getCriticalExtensionOIDs() {
        return delegate.getCriticalExtensionOIDs();
    }

    @Override
    public Set<String> getNonCriticalExtensionOIDs() {
        return delegate.getNonCriticalExtensionOIDs();
    }

    @Override
    public byte[] getExtensionValue(String oid) {
        return delegate.getExtensionValue(oid);
    }
}
