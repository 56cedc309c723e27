@x509-issued
Feature: First boot with an X.509 certificate issued for the device
  A device can prove who it is with an X.509 certificate whose common name is its registration id. Here the test's
  own certificate authority issues the device a certificate and its private key for each scenario, as a factory
  would; the device presents it to DPS, is assigned a hub, and connects to that hub with the same certificate.

  Scenario: An individually enrolled device is assigned to its hub, connects and sends telemetry
    Given the device has a certificate issued for its registration id, individually enrolled for hub "hub-a" as device "x509-gateway"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a" as device "x509-gateway"
    And within 10 seconds the device is connected to hub "hub-a" as "x509-gateway"
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from "x509-gateway"

  @wire
  Scenario: The device presents the certificate it was issued
    Given the device has a certificate issued for its registration id, individually enrolled for hub "hub-b"
    When the device boots
    Then the certificate the device presented to DPS equals the one it was issued
    And within 10 seconds the device is assigned to hub "hub-b" under its registration id

  @wire
  Scenario: A device whose certificate is not enrolled is refused and never reaches a hub
    Given the device has a certificate issued for its registration id that is not enrolled
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device reports that registration failed
    And the device makes no hub connection

  Scenario: A device whose enrollment is disabled is not assigned
    Given the device has a certificate issued for its registration id, individually enrolled for hub "hub-a", but disabled
    When the device boots
    Then within 10 seconds the device's registration ends with status "disabled"
    And the device reports that registration failed
    And the device makes no hub connection

  @wire
  Scenario: The device waits as long as DPS asks before polling the registration status
    Given DPS asks devices to retry after 1 second
    And the device has a certificate issued for its registration id, individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-a"
    And the device waited at least as long as DPS asked before every status poll

  Scenario: A device with a certificate from an enrollment group's CA is assigned under its registration id
    Given the device registers as "x509-line5-unit-0001" with a certificate issued by the CA of X.509 enrollment group "line-5" for hub "hub-b"
    When the device boots
    Then within 10 seconds the device is assigned to hub "hub-b" under its registration id
    And within 10 seconds the device is connected to hub "hub-b" as "x509-line5-unit-0001"
    And hub "hub-b" received telemetry from the device

  @wire
  Scenario: The first boot stays within its time budget
    Given DPS asks devices to retry after 1 second
    And the device has a certificate issued for its registration id, individually enrolled for hub "hub-a" as device "x509-budget"
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "x509-budget"
    And the boot phases stay within these limits:
      | from                 | to                   | limit (s) |
      | boot                 | registration request | 10        |
      | registration request | assigned             | 5         |
      | assigned             | hub connected        | 5         |
      | boot                 | hub connected        | 15        |
