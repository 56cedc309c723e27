@devkit @serial @console
Feature: The DevKit's configuration console takes the UDS as the firmware documents it
  An operator (or the IoT Workbench) holds button A through a reset to reach the configuration console and writes
  the Unique Device Secret with set_dps_uds. The console must hide the secret as it is typed and acknowledge it with
  the firmware's own words; a bad UDS is only refused at the next boot.

  Background:
    Given the board is in configuration mode

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

  Scenario: A UDS of the wrong length is accepted by the console but refused at the next boot
    When a UDS of 62 hex characters is typed with set_dps_uds
    Then the console prints "INFO: Set DPS UDS successfully."
    When the board resets into user mode
    Then within 15 seconds the console prints "The length of DPS UDS string must be 64."
