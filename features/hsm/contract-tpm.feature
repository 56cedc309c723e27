@hsm @hsm-tpm
Feature: TPM HSM adapter contract
  A TPM adapter gives DPS its endorsement key (EK) and storage root key (SRK), activates the identity key DPS sends
  inside an activation blob, and signs the device's SAS tokens with it.

  Scenario: The endorsement and storage root keys are well-formed
    Then the adapter's endorsement key is a well-formed TPM2B_PUBLIC
    And the adapter's storage root key is a well-formed TPM2B_PUBLIC

  Scenario: The registration id derived from the endorsement key is valid
    Then the registration id derived from the adapter's endorsement key is 52 characters of [a-z2-7]

  Scenario: Every function refuses a NULL output pointer
    Then every function called with a NULL output pointer fails without crashing

  Scenario: Activation refuses an empty key
    Then activating an empty or NULL identity key fails

  Scenario: Signing fails until an identity key is activated
    Then signing with the identity key fails before any key was activated

  Scenario: The adapter activates DPS's identity key and signs with it
    Then after activating an identity key DPS built for its EK and SRK, signing "scope/registrations/id\n1700000000" gives the HMAC-SHA256 under that key
