@devkit @serial @console
Feature: The DevKit firmware judges the registration id its sketch was built with
  DPS.ino may set a registration id; the firmware accepts only lowercase letters, digits and hyphens, at most 128
  characters, and says so on its console at boot. With no id, it makes one from its MAC address and firmware
  version (az-<mac>v<x>v<y>v<z>).

  Scenario Outline: A registration id the firmware cannot use is refused at boot with its own words
    Given the device has a fresh UDS
    And the board's firmware is built with registration id "<registration id>"
    When the board resets into user mode
    Then within 15 seconds the console prints "<message>"

    Examples:
      | registration id | message |
      | Bad_Id          | Input value for registrationId in DPS.ino does not meet DPS requirements - only alphanumeric, lowercase, and hyphen are supported. |
      | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | Input value for registrationId in DPS.ino exceeds maximum length 128. |
