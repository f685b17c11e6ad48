package io.scalesmall.cli;

/** Entry point of the {@code scalesmall} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("scalesmall");
    }
}
