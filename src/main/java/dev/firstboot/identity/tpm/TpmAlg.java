package dev.firstboot.identity.tpm;

/** The TPM_ALG_ID values this package reads and writes (TPM 2.0 Part 2, Table 9). */
public final class TpmAlg {
    public static final int RSA = 0x0001;
    public static final int KEYEDHASH = 0x0008;
    public static final int HMAC = 0x0005;
    public static final int SHA256 = 0x000B;
    public static final int NULL = 0x0010;
    public static final int AES = 0x0006;
    public static final int CFB = 0x0043;

    private TpmAlg() {
    }
}
