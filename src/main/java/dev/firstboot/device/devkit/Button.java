package dev.firstboot.device.devkit;

/** The two user buttons; the reset button is {@link DevKitBoard#reset()}. */
public enum Button { A, B }
