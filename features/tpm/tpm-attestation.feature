@tpm
Feature: First boot of a TPM device with DPS's challenge
  A TPM device is known to DPS by its endorsement key (EK). DPS challenges it with a credential only that TPM can
  activate; the device proves it did by signing its SAS tokens inside the TPM, and connects to its hub with a SAS
  signed by the key DPS sent with the assignment.

  @wire
  Scenario: The registration id is the one derived from the endorsement key
    Given the device's TPM endorsement key is individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds DPS receives the registration under the id derived from the device's endorsement key

  @wire
  Scenario: The device answers the challenge, is assigned, and connects to its hub
    Given the device's TPM endorsement key is individually enrolled for hub "hub-a"
    When the device boots
    Then within 10 seconds DPS challenges the device
    And within 15 seconds the device is assigned to hub "hub-a"
    And the device waited at least as long as DPS asked before every status poll
    And the device reports that it is connected to hub "hub-a"
    And hub "hub-a" received telemetry from the device
    And the boot phases stay within these limits:
      | from                 | to            | limit (s) |
      | registration request | challenge     | 2         |
      | challenge            | activated     | 3         |
      | activated            | assigned      | 4         |
      | assigned             | hub connected | 5         |

  @wire
  Scenario: An endorsement key that is not enrolled is refused
    Given no enrollment exists for the device's endorsement key
    When the device boots
    Then within 10 seconds DPS refuses the device as unauthorized
    And the device reports that registration failed
    And the device makes no hub connection

  @wire
  Scenario: A tampered activation blob makes the device report an activation failure, and it stops trying
    Given the device's TPM endorsement key is individually enrolled for hub "hub-a"
    And DPS sends tampered activation blobs
    When the device boots
    Then the device reports that TPM activation failed, after at most 3 challenges
    And the device makes no hub connection

  @wire @tpm-faults
  Scenario: A device whose clock is behind signs SAS tokens that have expired, and DPS refuses them
    Given the device's TPM endorsement key is individually enrolled for hub "hub-a"
    And the device's clock runs 2 hours behind
    When the device boots
    Then within 10 seconds DPS refuses the device's SAS because it has expired
    And the device makes no hub connection

  @wire @tpm-faults
  Scenario: The hub refuses a SAS signed with a key DPS did not issue
    Given the device's TPM endorsement key is individually enrolled for hub "hub-a"
    And the device signs its hub SAS with a key DPS did not issue
    When the device boots
    Then within 15 seconds hub "hub-a" refuses the device's connection as not authorized
