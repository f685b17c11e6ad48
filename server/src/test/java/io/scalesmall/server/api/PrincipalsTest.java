package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The principals file: permissions by stream pattern, and bad files refused naming the problem. */
class PrincipalsTest {
    @TempDir
    Path dir;

    private Principals load(String yaml) throws Exception {
        Path file = dir.resolve("principals.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return Principals.load(file);
    }

    @Test
    void patternsGrantWhatTheyNameAndTokensIdentifyTheirPrincipal() throws Exception {
        Principals principals = load("""
                principals:
                  - name: svc
                    token: "0123456789abcdef-svc"
                    publish: ["orders", "audit-*"]
                    consume: ["*-eu"]
                """);
        Principals.Principal svc = principals.authenticate("0123456789abcdef-svc");
        assertThat(svc.name()).isEqualTo("svc");
        assertThat(svc.admin()).isFalse();
        assertThat(svc.mayMonitor()).isFalse();
        assertThat(svc.may(Principals.Action.PUBLISH, "orders")).isTrue();
        assertThat(svc.may(Principals.Action.PUBLISH, "orders2")).isFalse();
        assertThat(svc.may(Principals.Action.PUBLISH, "audit-2026")).isTrue();
        assertThat(svc.may(Principals.Action.CONSUME, "orders-eu")).isTrue();
        assertThat(svc.may(Principals.Action.CONSUME, "orders")).isFalse();
        assertThat(svc.may(Principals.Action.CONSUME, "a.b-eu"))
                .as("a dot is no wildcard")
                .isTrue();
        assertThat(principals.authenticate("0123456789abcdef-sv")).isNull();
        assertThat(principals.authenticate(null)).isNull();
        assertThat(principals.authenticate("")).isNull();
    }

    @Test
    void anAdminMayMonitorAndAMonitorOnlyMonitors() throws Exception {
        Principals principals = load("""
                principals:
                  - name: ops
                    token: "0123456789abcdef-ops"
                    admin: true
                  - name: prometheus
                    token: "0123456789abcdef-prom"
                    monitor: true
                """);
        Principals.Principal ops = principals.authenticate("0123456789abcdef-ops");
        assertThat(ops.admin()).isTrue();
        assertThat(ops.mayMonitor()).isTrue();
        Principals.Principal prometheus = principals.authenticate("0123456789abcdef-prom");
        assertThat(prometheus.admin()).isFalse();
        assertThat(prometheus.mayMonitor()).isTrue();
        assertThat(prometheus.mayAny("orders")).isFalse();
    }

    @Test
    void aCertificateSubjectIdentifiesItsPrincipalInAnyEquivalentSpelling() throws Exception {
        Principals principals = load("""
                principals:
                  - name: billing
                    certificateSubject: "CN=billing, O=Acme"
                    consume: ["orders"]
                """);
        Principals.Principal billing =
                principals.authenticateCertificate(new javax.security.auth.x500.X500Principal("cn=billing,o=Acme"));
        assertThat(billing.name()).isEqualTo("billing");
        assertThat(billing.tokenSha256()).isNull();
        assertThat(principals.authenticateCertificate(new javax.security.auth.x500.X500Principal("CN=billing")))
                .isNull();
        assertThat(principals.authenticate((String) null)).isNull();
        assertThatThrownBy(() -> load("principals:\n  - name: a\n    certificateSubject: \"not a name\"\n"))
                .hasMessageContaining("not a distinguished name");
        assertThatThrownBy(
                        () -> load(
                                "principals:\n  - name: a\n    certificateSubject: \"CN=x\"\n  - name: b\n    certificateSubject: \"cn=x\"\n"))
                .hasMessageContaining("the same certificateSubject as principal a");
    }

    @Test
    void badFilesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> load("principals: []")).hasMessageContaining("non-empty list 'principals'");
        assertThatThrownBy(() -> load("principals:\n  - name: a\n    token: short\n"))
                .hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> load("principals:\n  - name: a\n    token: \"0123456789abcdef\"\n    publsh: [x]\n"))
                .hasMessageContaining("unknown field 'publsh'");
        assertThatThrownBy(() -> load("principals:\n  - token: \"0123456789abcdef\"\n"))
                .hasMessageContaining("'name' is missing");
        assertThatThrownBy(() -> load("principals:\n  - name: a\n    tokenSha256: abcd\n"))
                .hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> load("principals:\n  - name: a\n"))
                .hasMessageContaining("give 'token', 'tokenSha256' or 'certificateSubject'");
        assertThatThrownBy(() -> load("principals: [\n")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(
                        () -> load("principals:\n  - name: a\n    token: \"0123456789abcdef\"\n    admin: \"yes\"\n"))
                .hasMessageContaining("'admin' is true or false");
    }
}
