@symmetric-key
Feature: First boot of a device with a symmetric key
  A device can prove who it is with a secret key it shares with DPS: its own key, from an individual enrollment, or
  a key it derives from an enrollment group's key and its registration id. It signs its requests to DPS with that
  key, and then its connection to the hub DPS assigns it to.

  Scenario: An individually enrolled device is assigned to its hub and connects
    Given the device has a symmetric key individually enrolled for hub "hub-a" as device "kitchen-sensor"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a" as device "kitchen-sensor"
    And within 10 seconds the device is connected to hub "hub-a" as "kitchen-sensor"
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from "kitchen-sensor"

  Scenario: A device of an enrollment group is assigned under its registration id with the key derived from the group key
    Given the device registers as "line3-unit-0042" with the group key of symmetric-key enrollment group "factory-line-3" for hub "hub-b"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-b" under its registration id
    And within 10 seconds the device is connected to hub "hub-b" as "line3-unit-0042"
    And hub "hub-b" received telemetry from the device

  @wire
  Scenario: A device that signs with a key that is not its own is refused and never reaches a hub
    Given the device has a symmetric key individually enrolled for hub "hub-a"
    And the device signs with a key that is not the one it was given
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And DPS's refusal carries error code 401002
    And the device reports that registration failed
    And the device makes no hub connection

  Scenario: A device whose individual enrollment is disabled is not assigned
    Given the device has a symmetric key individually enrolled for hub "hub-a", but disabled
    When the device boots
    Then within 10 seconds the device's registration ends with status "disabled"
    And the device reports that registration failed
    And the device makes no hub connection

  Scenario: A device of a disabled enrollment group is not assigned
    Given the device registers as "line4-unit-0007" with the group key of symmetric-key enrollment group "factory-line-4" for hub "hub-a", but the group is disabled
    When the device boots
    Then within 10 seconds the device's registration ends with status "disabled"
    And the device makes no hub connection

  @wire
  Scenario: A device whose key is not enrolled is refused and never reaches a hub
    Given the device has a symmetric key that is not enrolled
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device reports that registration failed
    And the device makes no hub connection

  @wire
  Scenario: The device waits as long as DPS asks before polling the registration status
    Given DPS asks devices to retry after 1 second
    And the device has a symmetric key individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a"
    And the device waited at least as long as DPS asked before every status poll

  @wire
  Scenario: The first boot stays within its time budget
    Given DPS asks devices to retry after 1 second
    And the device has a symmetric key individually enrolled for hub "hub-a" as device "budget-sensor"
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "budget-sensor"
    And the boot phases stay within these limits:
      | from                 | to                   | limit (s) |
      | boot                 | registration request | 10        |
      | registration request | assigned             | 5         |
      | assigned             | hub connected        | 5         |
      | boot                 | hub connected        | 15        |
