package io.scalesmall.protocol;

/** The rule for stream names: 1 to 200 characters from {@code [A-Za-z0-9._-]}, not "." or "..". */
public final class StreamNames {
    /** Longest stream name. */
    public static final int MAX_LENGTH = 200;

    private StreamNames() {}

    /**
     * Checks a stream name.
     *
     * @throws ProtocolException with {@link ErrorCode#INVALID_STREAM_NAME} naming the problem
     */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_STREAM_NAME, "stream name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new ProtocolException(
                    ErrorCode.INVALID_STREAM_NAME, "stream name is longer than " + MAX_LENGTH + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new ProtocolException(ErrorCode.INVALID_STREAM_NAME, "stream name '" + name + "' is reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-';
            if (!ok) {
                throw new ProtocolException(
                        ErrorCode.INVALID_STREAM_NAME,
                        "stream name '" + name + "' has a character outside [A-Za-z0-9._-] at index " + i);
            }
        }
        return name;
    }
}
