@x509 @dice
Feature: First boot with a DICE identity and an individual X.509 enrollment
  A DevKit-style device derives its alias certificate from its Unique Device Secret (UDS) and its firmware
  (DICE/RIoT), registers with the Device Provisioning Service using that certificate, is assigned an IoT hub
  and connects to it. The certificate is judged against the reference computed from the same inputs (UDS,
  firmware image, registration id), never against what the device says about itself.

  Background:
    Given the device has a fresh UDS
    And the device's registration id is "firstboot-dice-01"

  @wire
  Scenario: An individually enrolled device is assigned to its hub and connects
    Given the device's reference certificate is individually enrolled for hub "hub-a" as device "devkit-01"
    When the device boots
    Then the certificate the device presented to DPS equals the reference certificate byte for byte
    And within 10 seconds the device is assigned to hub "hub-a" as device "devkit-01"
    And within 5 seconds the device is connected to hub "hub-a" as "devkit-01"
    And hub "hub-a" received telemetry from "devkit-01"
    And the device reports that it is connected to hub "hub-a"

  Scenario: An enrolled device's first boot shows in the registration state and the hub's registry
    Given the device's reference certificate is individually enrolled for hub "hub-a" as device "devkit-02"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a" as device "devkit-02"
    And within 5 seconds the device is connected to hub "hub-a" as "devkit-02"
    And hub "hub-a" received telemetry from "devkit-02"

  Scenario: Without a device id in the enrollment, the device id is the registration id
    Given the device's reference certificate is individually enrolled for hub "hub-b"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-b" as device "firstboot-dice-01"
    And within 5 seconds the device is connected to hub "hub-b" as "firstboot-dice-01"

  @wire
  Scenario: The device waits as long as DPS asks before polling the registration status
    Given DPS asks devices to retry after 1 second
    And the device's reference certificate is individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a"
    And the device waited at least as long as DPS asked before every status poll

  @wire
  Scenario: A device that is not enrolled is refused and never reaches a hub
    Given no enrollment exists for the device
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device reports that registration failed
    And the device makes no hub connection

  Scenario: A disabled enrollment gives the status disabled
    Given the device's reference certificate is individually enrolled for hub "hub-a", but disabled
    When the device boots
    Then within 10 seconds the device's registration ends with status "disabled"
    And the device makes no hub connection

  @wire
  Scenario: A device enrolled with another device's certificate is refused
    Given the reference certificate of another device with another UDS is enrolled for hub "hub-a" under the device's registration id
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device makes no hub connection

  @wire
  Scenario: The first boot stays within its time budget
    Given DPS asks devices to retry after 1 second
    And the device's reference certificate is individually enrolled for hub "hub-a"
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "firstboot-dice-01"
    And the boot phases stay within these limits:
      | from                 | to                   | limit (s) |
      | boot                 | registration request | 2         |
      | registration request | assigned             | 4         |
      | assigned             | hub connected        | 2         |
      | boot                 | hub connected        | 8         |
