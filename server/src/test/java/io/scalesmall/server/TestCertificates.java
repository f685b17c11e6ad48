package io.scalesmall.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with the JDK's {@code keytool} (so no other tool is needed): a
 * test CA, and certificates it signs for {@code 127.0.0.1} and {@code localhost}, each written as
 * PEM files the way an operator would give them to a node: {@code NAME.crt} (the certificate then
 * the CA's) and {@code NAME.key} (PKCS#8).
 */
public final class TestCertificates {
    private static final String PASS = "changeit";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A new CA in {@code dir}: {@code ca.crt}. */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCertificates certs = new TestCertificates(dir);
        certs.keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=ScaleSmall test CA",
                "-ext",
                "bc:c",
                "-validity",
                "3650",
                "-keystore",
                "ca.p12");
        certs.keytool("-exportcert", "-alias", "ca", "-rfc", "-keystore", "ca.p12", "-file", "ca.crt");
        return certs;
    }

    /** The CA certificate, PEM. */
    public Path ca() {
        return dir.resolve("ca.crt");
    }

    /** Issues {@code NAME.crt} and {@code NAME.key} for 127.0.0.1 and localhost; returns the certificate file. */
    public Path issue(String name) throws IOException, InterruptedException {
        String store = name + ".p12";
        keytool(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + name,
                "-validity",
                "3650",
                "-keystore",
                store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        keytool(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-infile",
                name + ".csr",
                "-outfile",
                name + ".signed",
                "-rfc",
                "-validity",
                "3650",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-ext",
                "EKU=serverAuth,clientAuth");
        Files.writeString(
                dir.resolve(name + ".crt"),
                Files.readString(dir.resolve(name + ".signed"), StandardCharsets.US_ASCII)
                        + Files.readString(ca(), StandardCharsets.US_ASCII),
                StandardCharsets.US_ASCII);
        PrivateKey key;
        try (InputStream in = Files.newInputStream(dir.resolve(store))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASS.toCharArray());
            key = (PrivateKey) ks.getKey(name, PASS.toCharArray());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the key of " + name, e);
        }
        Files.writeString(
                dir.resolve(name + ".key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(key.getEncoded())
                        + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        return dir.resolve(name + ".crt");
    }

    /** The private key file of {@link #issue}'s {@code name}. */
    public Path key(String name) {
        return dir.resolve(name + ".key");
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", PASS, "-keypass", PASS, "-storetype", "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
