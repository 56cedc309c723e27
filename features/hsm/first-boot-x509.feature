@hsm @hsm-x509
Feature: First boot with an X.509 HSM adapter
  The device proves who it is to DPS and its hub with the certificate and key the adapter holds.

  Scenario: The adapter's certificate provisions the device and connects it to its hub
    Given the adapter's identity is individually enrolled for hub "hub-a"
    When the device boots
    Then within 15 seconds the device is assigned to hub "hub-a"
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from the device
