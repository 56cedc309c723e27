@x509 @dice @faults @wire
Feature: First boot when the provisioning service or the hub misbehaves
  The service throttles, fails, answers late, drops connections, fails TLS or presents an expired certificate, and
  a hub goes away for a while. A conforming device (the Azure IoT C SDK's provisioning client) honours retry-after,
  backs off between failed attempts, recovers when the service or hub comes back, trusts no expired certificate,
  and gives up with a clear status when its registration budget is spent. Each check reads only what the service
  saw and what the device reported.

  Background:
    Given the device has a fresh UDS
    And the device's registration id is "firstboot-fault-01"
    And the device's reference certificate is individually enrolled for hub "hub-a" as device "fault-01"

  @throttling
  Scenario: A throttled device waits as long as DPS asks before it tries again
    Given DPS answers the next 2 requests with 429 and retry-after 2 seconds
    When the device boots
    Then within 15 seconds the device is assigned to hub "hub-a" as device "fault-01"
    And the device waited at least 2 seconds before retrying
    And the device retried at most 3 times

  @backoff
  Scenario: A device backs off while DPS answers with server errors, then registers
    Given DPS answers the next 2 requests with 503
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "fault-01"
    And the device backed off between retries

  @budget
  Scenario: A device gives up with a clear status when DPS keeps failing
    Given DPS answers every request with 500
    When the device boots
    Then the device gave up within 15 seconds and reported "no assignment within"
    And the device retried at most 5 times
    And the device makes no hub connection

  @slow-service
  Scenario: A device waits for a slow DPS
    Given DPS delays every response by 2 seconds
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "fault-01"

  @dropped-connection
  Scenario: A device recovers when DPS drops the connection after accepting its registration
    Given DPS drops the connection after accepting the registration
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "fault-01"
    And DPS dropped the connection after accepting the registration

  @tls-failure
  Scenario: A device retries, backing off, when the TLS handshake with DPS fails
    Given the DPS TLS handshake fails for the next 2 connections
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "fault-01"
    And the device backed off between retries

  @expired-certificate
  Scenario: A device refuses DPS's expired certificate and gives up
    Given DPS serves an expired certificate
    When the device boots
    Then the device never completed a TLS handshake with an expired certificate
    And the device gave up within 15 seconds and reported "could not reach DPS"
    And the device makes no hub connection

  @hub-outage
  Scenario: A device reaches its hub once the hub is back
    Given the hub "hub-a" is unavailable for 4 seconds
    When the device boots
    Then within 15 seconds the device is connected to hub "hub-a" as "fault-01" after the outage
    And hub "hub-a" received telemetry from "fault-01"
    And the device backed off between retries
