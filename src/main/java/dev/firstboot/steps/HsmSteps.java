package dev.firstboot.steps;

import dev.firstboot.device.hsm.AdapterCheckException;
import dev.firstboot.device.hsm.AdapterContract;
import dev.firstboot.device.hsm.AdapterFailure;
import dev.firstboot.device.hsm.AdapterIdentity;
import dev.firstboot.device.hsm.HsmAdapterFacet;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.timeline.Measurement;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.util.Optional;

/** A vendor's HSM adapter: the contract of hsm_client_data.h, and its identity enrolled for a first boot. */
public final class HsmSteps {
    private final World world;

    public HsmSteps(World world) {
        this.world = world;
    }

    private HsmAdapterFacet facet() {
        return world.device().facet(HsmAdapterFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") is not an HSM adapter"));
    }

    private AdapterContract contract() {
        return new AdapterContract(facet().adapter(), world.rig().redactor());
    }

    @FunctionalInterface
    private interface Check<T> {
        T run() throws AdapterFailure, AdapterCheckException;
    }

    private static <T> T check(Check<T> c) {
        try {
            return c.run();
        } catch (AdapterFailure | AdapterCheckException e) {
            throw new AssertionError(e.getMessage());
        }
    }

    @Then("the adapter exports the functions of its interface")
    public void exports() {
        check(() -> {
            contract().exportsItsInterface();
            return null;
        });
    }

    @Then("the adapter can be initialised and deinitialised {int} times in a row")
    public void initDeinit(int times) {
        check(() -> {
            contract().initialisesAndDeinitialises(times);
            return null;
        });
    }

    @Then("creating and destroying a handle {int} times grows the adapter's memory by at most {int} KiB")
    public void noLeak(int rounds, int limitKib) {
        long growth = check(() -> contract().createDestroyWithoutLeaking(rounds, limitKib));
        world.measured(java.util.List.of(new Measurement("adapter memory growth over " + rounds
                + " handles", growth, "KiB", limitKib)));
    }

    @Then("every function called with a NULL handle fails without crashing")
    public void nullHandles() {
        check(() -> {
            contract().refusesNullHandles();
            return null;
        });
    }

    @Then("every function called with a NULL output pointer fails without crashing")
    public void nullOutputs() {
        check(() -> {
            contract().refusesNullOutputs();
            return null;
        });
    }

    @Then("the adapter's certificate is PEM, leaf first")
    public void pemLeafFirst() {
        check(contract()::certificateIsPemLeafFirst);
    }

    @Then("the adapter's private key belongs to the leaf certificate")
    public void keyMatches() {
        check(() -> {
            contract().keyMatchesLeaf();
            return null;
        });
    }

    @Then("the adapter's common name is the leaf certificate's subject CN")
    public void commonName() {
        check(() -> {
            contract().commonNameIsTheLeafs();
            return null;
        });
    }

    @Then("the adapter's registration id is a valid DPS registration id")
    public void validRegistrationId() {
        check(() -> contract().registrationIdIsValid(facet().expectedRegistrationId()));
    }

    @Then("the adapter gives the same answers on {int} calls and from a second handle")
    public void stable(int calls) {
        check(() -> {
            contract().answersTheSameEveryTime(calls);
            return null;
        });
    }

    @Then("the adapter's endorsement key is a well-formed TPM2B_PUBLIC")
    public void ek() {
        check(() -> contract().keyIsWellFormed("hsm_client_get_ek"));
    }

    @Then("the adapter's storage root key is a well-formed TPM2B_PUBLIC")
    public void srk() {
        check(() -> contract().keyIsWellFormed("hsm_client_get_srk"));
    }

    @Then("the registration id derived from the adapter's endorsement key is 52 characters of [a-z2-7]")
    public void tpmRegistrationId() {
        check(() -> contract().registrationIdFromEndorsementKey(facet().expectedRegistrationId()));
    }

    @Then("activating an empty or NULL identity key fails")
    public void emptyActivation() {
        check(() -> {
            contract().activationRefusesEmptyKeys();
            return null;
        });
    }

    @Then("signing with the identity key fails before any key was activated")
    public void signBeforeActivation() {
        check(() -> {
            contract().signingFailsBeforeActivation();
            return null;
        });
    }

    @Then("after activating an identity key DPS built for its EK and SRK, signing {string} gives the HMAC-SHA256 under that key")
    public void activateAndSign(String payload) {
        check(() -> {
            contract().activatesDpsKeyAndSignsWithIt(payload);
            return null;
        });
    }

    @Then("the adapter's symmetric key is base64 of a 16 to 64 byte key")
    public void symmetricKey() {
        check(() -> {
            contract().symmetricKeyIsBase64();
            return null;
        });
    }

    @Given("the adapter's identity is individually enrolled for hub {string}")
    public void enrolled(String hub) {
        world.hubHost(hub);
        AdapterIdentity id = check(() -> {
            facet().adapter().init();
            return facet().identity();
        });
        world.registrationId = id.registrationId();
        if (id instanceof AdapterIdentity.X509 x) {
            world.backend().enrollX509Individual(x.registrationId(), dev.firstboot.pki.Certificates.der(x.leaf()),
                    Optional.empty(), hub, true);
        } else if (id instanceof AdapterIdentity.Tpm t) {
            world.backend().enrollTpmIndividual(t.registrationId(), t.endorsementKey(), Optional.empty(), hub, true);
        } else if (id instanceof AdapterIdentity.SymmetricKey s) {
            world.backend().enrollSymmetricKeyIndividual(s.registrationId(), s.key(), Optional.empty(), hub, true);
        }
    }
}
