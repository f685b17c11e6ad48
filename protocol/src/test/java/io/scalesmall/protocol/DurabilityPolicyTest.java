package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurabilityPolicyTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "  ",
                "memory",
                "memory=x",
                "disk=-1",
                "memory=0",
                "disk=0",
                "memory=0,disk=0",
                "memory=1,memory=2",
                "disk=1,disk=1",
                "foo=1",
                "disk=17",
                "memory=17",
                "memory=1,",
                ",disk=1",
                "memory=1;disk=1",
                "memory==1",
                "memory=1=2",
                "memory=99999999999"
            })
    void parseRejectsTextThatIsNotAPolicyWithInvalidPolicy(String spec) {
        assertProtocolError(() -> DurabilityPolicy.parse(spec), ErrorCode.INVALID_POLICY);
    }

    @Test
    void parseRejectsNullWithInvalidPolicy() {
        assertProtocolError(() -> DurabilityPolicy.parse(null), ErrorCode.INVALID_POLICY);
    }

    @Test
    void parseAcceptsTheDocumentedForms() {
        assertThat(DurabilityPolicy.parse("memory=1")).isEqualTo(new DurabilityPolicy(1, 0));
        assertThat(DurabilityPolicy.parse("disk=1")).isEqualTo(new DurabilityPolicy(1, 1));
        assertThat(DurabilityPolicy.parse("memory=2,disk=1")).isEqualTo(new DurabilityPolicy(2, 1));
        assertThat(DurabilityPolicy.parse(" disk = 3 ")).isEqualTo(new DurabilityPolicy(3, 3));
        assertThat(DurabilityPolicy.parse("memory=16,disk=16")).isEqualTo(new DurabilityPolicy(16, 16));
    }

    @Test
    void diskCopiesRaiseMemoryCopiesToTheirCount() {
        DurabilityPolicy policy = DurabilityPolicy.parse("memory=1,disk=3");
        assertThat(policy.memoryCopies()).isEqualTo(3);
        assertThat(policy).hasToString("disk=3");
    }

    @Test
    void toStringNamesOnlyWhatIsNeeded() {
        assertThat(DurabilityPolicy.MEMORY_1).hasToString("memory=1");
        assertThat(DurabilityPolicy.DISK_1).hasToString("disk=1");
        assertThat(new DurabilityPolicy(2, 1)).hasToString("memory=2,disk=1");
    }

    @Test
    void constructorRejectsNoCopiesAndOutOfRangeCounts() {
        assertProtocolError(() -> new DurabilityPolicy(0, 0), ErrorCode.INVALID_POLICY);
        assertProtocolError(() -> new DurabilityPolicy(-1, 1), ErrorCode.INVALID_POLICY);
        assertProtocolError(() -> new DurabilityPolicy(1, -1), ErrorCode.INVALID_POLICY);
        assertProtocolError(() -> new DurabilityPolicy(17, 0), ErrorCode.INVALID_POLICY);
        assertProtocolError(() -> new DurabilityPolicy(1, 17), ErrorCode.INVALID_POLICY);
    }

    @Test
    void isMetOnlyWhenBothMemoryAndDiskCountsAreReached() {
        DurabilityPolicy policy = new DurabilityPolicy(2, 1);
        assertThat(policy.isMetBy(2, 1)).isTrue();
        assertThat(policy.isMetBy(3, 2)).isTrue();
        assertThat(policy.isMetBy(1, 1)).isFalse();
        assertThat(policy.isMetBy(2, 0)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory=2,disk=-1", "memory=-1,disk=2", "disk=-1,memory=1", "disk=-1,disk=2"})
    void parseRejectsANegativeCopyCountEvenNextToAValidPart(String spec) {
        assertProtocolError(() -> DurabilityPolicy.parse(spec), ErrorCode.INVALID_POLICY);
    }
}
