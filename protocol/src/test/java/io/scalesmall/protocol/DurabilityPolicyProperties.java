package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The text form of a durability policy parses back to the same policy. */
class DurabilityPolicyProperties {

    @Property
    void parseOfToStringIsTheSamePolicy(@ForAll("policies") DurabilityPolicy policy) {
        assertThat(DurabilityPolicy.parse(policy.toString())).isEqualTo(policy);
    }

    @Property
    void toStringOfParseIsCanonical(@ForAll("policies") DurabilityPolicy policy) {
        String text = policy.toString();
        assertThat(DurabilityPolicy.parse(text).toString()).isEqualTo(text);
    }

    @Property
    void everyDiskCopyIsAlsoAMemoryCopy(
            @ForAll @IntRange(min = 0, max = 16) int memory, @ForAll @IntRange(min = 1, max = 16) int disk) {
        DurabilityPolicy policy = DurabilityPolicy.parse("memory=" + memory + ",disk=" + disk);
        assertThat(policy.diskCopies()).isEqualTo(disk);
        assertThat(policy.memoryCopies()).isEqualTo(Math.max(memory, disk));
        assertThat(policy.replicasNeeded()).isEqualTo(policy.memoryCopies());
    }

    @Property
    void partsMayComeInEitherOrderWithSpacesAndAnyCase(@ForAll("policies") DurabilityPolicy policy) {
        String text = " DISK = " + policy.diskCopies() + " ,  Memory=" + policy.memoryCopies() + " ";
        assertThat(DurabilityPolicy.parse(text)).isEqualTo(policy);
    }

    @Property
    void isMetExactlyWhenBothCountsReachThePolicy(
            @ForAll("policies") DurabilityPolicy policy,
            @ForAll @IntRange(max = 20) int memoryAcks,
            @ForAll @IntRange(max = 20) int diskAcks) {
        assertThat(policy.isMetBy(memoryAcks, diskAcks))
                .isEqualTo(memoryAcks >= policy.memoryCopies() && diskAcks >= policy.diskCopies());
    }

    @Provide
    Arbitrary<DurabilityPolicy> policies() {
        return WireArbitraries.policies();
    }
}
