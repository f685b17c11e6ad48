package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "orders", "Orders.EU-west_2", "...", ".hidden", "a..b", "0", "_", "-"})
    void acceptsNamesMadeOfLettersDigitsDotsUnderscoresAndDashes(String name) {
        assertThat(StreamNames.validate(name)).isEqualTo(name);
    }

    @Test
    void acceptsANameOfExactlyTheMaximumLength() {
        String name = "n".repeat(StreamNames.MAX_LENGTH);
        assertThat(StreamNames.validate(name)).isEqualTo(name);
    }

    @Test
    void rejectsANameOneCharacterLongerThanTheMaximum() {
        assertProtocolError(
                () -> StreamNames.validate("n".repeat(StreamNames.MAX_LENGTH + 1)), ErrorCode.INVALID_STREAM_NAME);
    }

    @Test
    void rejectsNullAndEmptyNames() {
        assertProtocolError(() -> StreamNames.validate(null), ErrorCode.INVALID_STREAM_NAME);
        assertProtocolError(() -> StreamNames.validate(""), ErrorCode.INVALID_STREAM_NAME);
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void rejectsTheReservedDirectoryNames(String name) {
        assertProtocolError(() -> StreamNames.validate(name), ErrorCode.INVALID_STREAM_NAME);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a/b", "../etc", "a\\b", "ü", "naïve", "a:b", "a\u0000", "tab\t", "😀", "a,b", "a*"})
    void rejectsNamesWithAnyOtherCharacter(String name) {
        assertProtocolError(() -> StreamNames.validate(name), ErrorCode.INVALID_STREAM_NAME);
    }
}
