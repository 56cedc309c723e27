@devkit @serial @console
Feature: The DevKit's configuration console takes the UDS as the firmware documents it
  An operator (or the IoT Workbench) holds button A through a reset to reach the configuration console and writes
  the Unique Device Secret with set_dps_uds. The console must hide the secret as it is typed and acknowledge it with
  the firmware's own words.

  The conformance rule: a conformant UDS is exactly 64 hexadecimal characters. The firmware's console does not
  enforce it: it stores whatever it is given, and a bad UDS only shows at the next boot. These scenarios record
  that real behaviour.

  Background:
    Given the board is in configuration mode

  Scenario: help lists the ten commands of the configuration console
    Given the board's firmware is version 2.0.0 or later
    When "help" is typed on the console
    Then the console prints "Configuration console:"
    And the console lists these commands in order:
      | help          |
      | version       |
      | exit          |
      | scan          |
      | set_wifissid  |
      | set_wifipwd   |
      | set_az_iothub |
      | set_dps_uds   |
      | set_az_iotdps |
      | enable_secure |

  Scenario: The UDS is echoed as asterisks and acknowledged
    When a fresh UDS is typed with set_dps_uds
    Then the console echoed the UDS only as asterisks
    And the console prints "INFO: Set DPS UDS successfully."

  Scenario: Firmware from August 2019 on says "Invalid UDS." before it accepts a correct UDS
    Given the board's firmware is version 2.0.0 or later
    When a fresh UDS is typed with set_dps_uds
    Then the console prints these lines in order:
      | Invalid UDS.                    |
      | INFO: Set DPS UDS successfully. |

  Scenario: An unknown command is named in the error
    When "set_dps_udss x" is typed on the console
    Then the console prints "Error:Invalid command: set_dps_udss"

  Scenario: set_dps_uds without a value asks for one
    When "set_dps_uds" is typed on the console
    Then the console prints "Usage: set_dps_uds [uds]. Please provide the UDS for DPS."

  Scenario: A UDS that is not hexadecimal is stored all the same
    When 64 characters that are not hex digits are typed with set_dps_uds
    Then the console prints "INFO: Set DPS UDS successfully."

  Scenario: A UDS of the wrong length is accepted by the console but refused at the next boot
    When a UDS of 62 hex characters is typed with set_dps_uds
    Then the console prints "INFO: Set DPS UDS successfully."
    When the board resets into user mode
    Then within 15 seconds the console prints "The length of DPS UDS string must be 64."
