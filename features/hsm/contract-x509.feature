@hsm @hsm-x509
Feature: X.509 HSM adapter contract
  An X.509 adapter hands the SDK the device's certificate (leaf first), its private key, and the common name that
  becomes the registration id. The SDK passes the certificate and key to TLS unchanged.

  Scenario: The certificate is PEM with the leaf first
    Then the adapter's certificate is PEM, leaf first

  Scenario: The private key belongs to the leaf certificate
    Then the adapter's private key belongs to the leaf certificate

  Scenario: The common name is the leaf certificate's CN and a valid registration id
    Then the adapter's common name is the leaf certificate's subject CN
    And the adapter's registration id is a valid DPS registration id

  Scenario: The adapter gives the same identity every time it is asked
    Then the adapter gives the same answers on 3 calls and from a second handle
