package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void everyCodeIsDistinctAndMapsBackToItsConstant() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).doesNotHaveDuplicates();
        for (ErrorCode e : ErrorCode.values()) {
            assertThat(ErrorCode.fromCode(e.code())).isEqualTo(e);
        }
    }

    @Test
    void unknownCodesReadAsAnUnknownErrorThatIsNotRetried() {
        for (int code : new int[] {-1, 0, 29, 97, 100, 0xFFFF}) {
            assertThat(ErrorCode.fromCode(code)).isEqualTo(ErrorCode.UNKNOWN_ERROR);
        }
        assertThat(ErrorCode.UNKNOWN_ERROR.retriable()).isFalse();
    }

    @Test
    void onlyTransientConditionsAreRetriable() {
        assertThat(Arrays.stream(ErrorCode.values()).filter(ErrorCode::retriable))
                .containsExactlyInAnyOrder(
                        ErrorCode.OUT_OF_ORDER_SEQUENCE,
                        ErrorCode.STORAGE_FULL,
                        ErrorCode.STORAGE_ERROR,
                        ErrorCode.NOT_ENOUGH_REPLICAS,
                        ErrorCode.NOT_A_REPLICA,
                        ErrorCode.RANGE_SEALED,
                        ErrorCode.TIMEOUT,
                        ErrorCode.BUSY,
                        ErrorCode.SHUTTING_DOWN,
                        ErrorCode.INTERNAL_ERROR);
    }

    @Test
    void frameTypeCodesRoundTripAndResponsesSetTheHighBit() {
        for (FrameType t : FrameType.values()) {
            assertThat(FrameType.fromCode(t.code())).isEqualTo(t);
        }
        for (FrameType request : new FrameType[] {
            FrameType.HELLO,
            FrameType.PUBLISH,
            FrameType.FETCH,
            FrameType.SUBSCRIBE,
            FrameType.UNSUBSCRIBE,
            FrameType.METADATA,
            FrameType.CREATE_STREAM,
            FrameType.MEMBERS,
            FrameType.LAG
        }) {
            assertThat(FrameType.fromCode(request.code() | 0x80)).isNotNull();
        }
        assertThat(FrameType.fromCode(0)).isNull();
        assertThat(FrameType.fromCode(0x0A)).isNull();
        assertThat(FrameType.fromCode(-1)).isNull();
        assertThat(FrameType.fromCode(256)).isNull();
    }
}
