package io.tunestream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS contexts from the files operators have: a server's PKCS12 keystore, and the PEM certificates a client trusts. */
public final class Tls {

    private Tls() {}

    /**
     * A server's context: its key and certificate chain from a PKCS12 keystore.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or opened with the password
     */
    public static SSLContext serving(Path keystore, char[] password) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the TLS keystore " + keystore + " (PKCS12, with its password): "
                    + e.getMessage(), e);
        }
    }

    /**
     * A client's context that trusts exactly the certificates of a PEM file (a private CA, a self-signed server).
     *
     * @throws IllegalArgumentException naming the file when it holds no certificate it can read
     */
    public static SSLContext trusting(Path pemCertificates) {
        try (InputStream in = Files.newInputStream(pemCertificates)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("certificate-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalArgumentException(pemCertificates + " holds no PEM certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the certificates of " + pemCertificates + ": " + e.getMessage(), e);
        }
    }
}
