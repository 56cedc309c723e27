@hsm @hsm-symmetric-key
Feature: First boot with a symmetric-key HSM adapter
  The device signs its requests to DPS and its hub connection with the key the adapter holds.

  Scenario: The adapter's key provisions the device and connects it to its hub
    Given the adapter's identity is individually enrolled for hub "hub-a"
    When the device boots
    Then within 15 seconds the device is assigned to hub "hub-a"
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from the device
