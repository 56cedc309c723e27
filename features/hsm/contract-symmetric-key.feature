@hsm @hsm-symmetric-key
Feature: Symmetric-key HSM adapter contract
  A symmetric-key adapter hands the SDK a base64 key and the registration name; the SDK signs its SAS tokens itself.

  Scenario: The key is base64 of a key DPS accepts
    Then the adapter's symmetric key is base64 of a 16 to 64 byte key

  Scenario: The registration name is a valid registration id
    Then the adapter's registration id is a valid DPS registration id

  Scenario: The adapter gives the same identity every time it is asked
    Then the adapter gives the same answers on 3 calls and from a second handle
