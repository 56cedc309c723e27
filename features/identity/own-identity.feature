@own-identity
Feature: First boot of a device that brings its own identity
  Some devices come with an identity of their own: a certificate they were made with, or a key baked into them.
  The rig file declares it, the harness enrolls it as it is, and the device registers with it and reaches its hub.

  Scenario: A device enrolled with its own identity is assigned to its hub and connects
    Given the device's own identity is individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a" under its registration id
    And within 10 seconds the device is connected to hub "hub-a" under its registration id
    And hub "hub-a" received telemetry from the device

  @wire
  Scenario: A device whose own identity is not enrolled is refused and never reaches a hub
    Given the device's own identity is not enrolled
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device makes no hub connection
