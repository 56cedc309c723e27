@x509 @dice @wire
Feature: First boot with the registration id the firmware generates
  When the firmware is built without a registration id, the DevKit makes one from its MAC address and firmware
  version (az-<mac>v<x>v<y>v<z>). The harness computes that id itself from the board's MAC and version, and the
  reference certificate for it.

  Scenario: A device with an automatic registration id is assigned under that id
    Given the device has a fresh UDS
    And the device uses the registration id it generates from its MAC address and firmware version
    And the device's reference certificate is individually enrolled for hub "hub-a"
    When the device boots
    Then the certificate the device presented to DPS equals the reference certificate byte for byte
    And within 10 seconds the device is assigned to hub "hub-a" as device "az-a0b1c2d3e4f5v2v0v0"
    And within 5 seconds the device is connected to hub "hub-a" as "az-a0b1c2d3e4f5v2v0v0"
