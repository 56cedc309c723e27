@hsm
Feature: HSM adapter lifecycle and argument checks
  The Azure IoT C SDK loads a custom HSM adapter as a library and calls it through the function table it returns.
  It initialises the adapter once, creates a handle per provisioning client, and trusts the adapter to refuse bad
  arguments without crashing the device.

  Scenario: The adapter exports the functions of its interface
    Then the adapter exports the functions of its interface

  Scenario: The adapter can be initialised and deinitialised again
    Then the adapter can be initialised and deinitialised 2 times in a row

  Scenario: Creating and destroying handles does not leak memory
    Then creating and destroying a handle 1000 times grows the adapter's memory by at most 4096 KiB

  Scenario: Every function refuses a NULL handle
    Then every function called with a NULL handle fails without crashing
