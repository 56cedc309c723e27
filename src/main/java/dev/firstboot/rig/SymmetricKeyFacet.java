package dev.firstboot.rig;

/**
 * A device that proves who it is with a secret key it shares with DPS, by signing SAS tokens: its own key (individual
 * enrollment), or the key it derives from an enrollment group's key and its registration id. What is set here holds
 * for the current scenario only.
 */
public interface SymmetricKeyFacet {
    /** The registration id the device will register with. */
    String registrationId();

    /** The device registers as {@code registrationId} from now on. */
    void useRegistrationId(String registrationId);

    /** Provisions the device with its own key, as for an individual enrollment. */
    void provisionKey(byte[] key);

    /** Provisions the device with a group key; the device derives its own key from it and its registration id. */
    void provisionGroupKey(byte[] groupKey);

    /** Fault: the device signs its SAS tokens with a key that is not the one it was given. */
    void signWithWrongKey(boolean wrong);
}
