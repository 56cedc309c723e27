@devkit @serial @x509 @dice @wire
Feature: A DevKit's first boot over its serial console
  The UDS is written in configuration mode, the board is reset into user mode, and it registers with DPS using the
  alias certificate it derives from the UDS and its firmware. The console tells the operator how it went; the
  service tells the harness what really happened.

  Background:
    Given the device has a fresh UDS
    And the device keeps the registration id its firmware was built with

  Scenario: An enrolled DevKit is assigned and says so on its console
    Given the device's reference certificate is individually enrolled for hub "hub-a"
    When the device boots
    Then the certificate the device presented to DPS equals the reference certificate byte for byte
    And within 20 seconds the device is assigned to hub "hub-a"
    And the device reports that it is connected to hub "hub-a"
    And the boot phases stay within these limits:
      | from                 | to                   | limit (s) |
      | boot                 | first byte           | 2         |
      | boot                 | registration request | 5         |
      | registration request | assigned             | 4         |

  Scenario: A DevKit that is not enrolled says registration failed
    Given no enrollment exists for the device
    When the device boots
    Then within 20 seconds DPS refuses the device as unauthorized
    And the device reports that registration failed
    And the device makes no hub connection

  Scenario: The UDS survives a power cycle
    Given the device's reference certificate is individually enrolled for hub "hub-a"
    When the board is switched off and on again
    Then the certificate the device presented to DPS equals the reference certificate byte for byte
    And within 20 seconds the device is assigned to hub "hub-a"
