@hsm @hsm-tpm @wire
Feature: First boot with a TPM HSM adapter
  The device answers DPS's challenge by activating the blob in the adapter and signs its SAS tokens with the adapter.

  Scenario: The adapter answers DPS's challenge, and the device is assigned and connects to its hub
    Given the adapter's identity is individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds DPS challenges the device
    And within 15 seconds the device is assigned to hub "hub-a"
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from the device
