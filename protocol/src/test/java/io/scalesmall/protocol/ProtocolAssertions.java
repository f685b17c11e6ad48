package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;

/** Assertions on {@link ProtocolException}s: that a call fails with a protocol error, and with which code. */
final class ProtocolAssertions {
    private ProtocolAssertions() {}

    /** A call that may throw anything. */
    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    /** Runs {@code call}, expecting a {@link ProtocolException}, and returns it. Any other outcome fails the test. */
    static ProtocolException protocolError(Call call) {
        Object result;
        try {
            result = call.run();
        } catch (ProtocolException e) {
            return e;
        } catch (Exception | AssertionError e) {
            throw new AssertionError("expected a ProtocolException but got " + e, e);
        }
        return fail("expected a ProtocolException but the call returned " + result);
    }

    /** Asserts that {@code call} throws a {@link ProtocolException} with one of {@code codes}. */
    static void assertProtocolError(Call call, ErrorCode... codes) {
        ProtocolException e = protocolError(call);
        assertThat(e.code()).as("error code of '%s'", e.getMessage()).isIn((Object[]) codes);
    }

    /**
     * Runs {@code call}; it may return or throw a {@link ProtocolException} with one of {@code codes}, but
     * must not throw anything else (an index error, an IllegalArgumentException...).
     */
    static void assertReturnsOrProtocolError(Call call, ErrorCode... codes) {
        try {
            call.run();
        } catch (ProtocolException e) {
            assertThat(e.code())
                    .as("error code of '%s', expected one of %s", e.getMessage(), Arrays.toString(codes))
                    .isIn((Object[]) codes);
        } catch (Exception e) {
            throw new AssertionError("expected a value or a ProtocolException but got " + e, e);
        }
    }
}
