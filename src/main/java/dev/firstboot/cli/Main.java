package dev.firstboot.cli;

/** Entry point; the commands are added as they are built. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("firstboot");
    }
}
