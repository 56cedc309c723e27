#!/usr/bin/env node
// firstboot's Node reference device program (docs/device-programs.md, device-programs/README.md).
//
// A first boot as the Azure IoT Node SDK samples do it: register with DPS (symmetric key or X.509, over HTTPS or
// MQTT), connect to the assigned hub over MQTT, send one telemetry message, exit 0. It reads the FIRSTBOOT_*
// variables of the device-program contract and prints one `firstboot-ref:` line per milestone. Secrets are never
// printed, unless the `prints-key` defect of FIRSTBOOT_REFERENCE_DEFECTS asks for exactly that.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const https = require('https');
const os = require('os');
const path = require('path');

const PREFIX = 'firstboot-ref: ';
const DEFECTS = ['no-hub-connection', 'wrong-hub', 'wrong-registration-id', 'other-certificate',
  'ignores-retry-after', 'prints-key'];
const STOCK_DPS_HTTPS_PORT = 443;
const STOCK_MQTT_PORT = 8883;
/** Bounds a registration, a hub connection and a telemetry send: the program never hangs. */
const STEP_DEADLINE_MS = 90000;
/** How long the `no-hub-connection` device stays up, assigned and silent, unless it is stopped sooner. */
const IDLE_AFTER_ASSIGNED_MS = 120000;
/** The `ignores-retry-after` device's bound on its own tight polling loop. */
const TIGHT_LOOP_MAX_REQUESTS = 50;

/** Secrets a failure reason must never carry (filled in as they are read). */
const secrets = [];

function say(line) {
  process.stdout.write(PREFIX + line + '\n');
}

function masked(text) {
  let s = String(text);
  for (const secret of secrets) {
    if (secret) {
      s = s.split(secret).join('«masked»');
    }
  }
  // A SAS token or signature that an SDK error might quote.
  return s.replace(/SharedAccessSignature [^\s"']+/g, 'SharedAccessSignature «masked»')
    .replace(/sig=[^&\s"']+/g, 'sig=«masked»')
    .replace(/SharedAccessKey=[^;\s"']+/g, 'SharedAccessKey=«masked»');
}

class ProgramFailure extends Error {
}

function fail(reason) {
  throw new ProgramFailure(reason);
}

function describe(err) {
  if (!err) {
    return 'unknown error';
  }
  const parts = [err.name && err.name !== 'Error' ? err.name + ': ' + err.message : String(err.message || err)];
  const status = err.response && err.response.statusCode;
  if (status) {
    parts.push('HTTP ' + status);
  }
  const body = err.result && (err.result.errorCode || err.result.message);
  if (body) {
    parts.push('DPS says ' + (err.result.errorCode || '') + ' ' + (err.result.message || ''));
  }
  if (err.transportError && err.transportError.message) {
    parts.push('transport: ' + err.transportError.message);
  }
  return parts.join('; ');
}

function required(env, name, hint) {
  const value = env[name];
  if (value === undefined || value === '') {
    fail(name + ' is not set; ' + hint);
  }
  return value;
}

function port(env, name, stock) {
  const text = env[name];
  if (text === undefined || text === '') {
    return stock;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    fail(name + ' must be a port 1 to 65535, got "' + text + '"');
  }
  return n;
}

function readFile(env, name, what) {
  const file = required(env, name, 'give the path of ' + what);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(name + ' names ' + file + ', which cannot be read (' + e.code + '); give the path of ' + what);
  }
}

/** host:port as a URI authority, an IPv6 literal in brackets. */
function authority(host, p) {
  return (host.includes(':') ? '[' + host + ']' : host) + ':' + p;
}

/** The contract's variables, checked, with a clear reason for each one missing or wrong. */
function settings(env) {
  const defects = (env.FIRSTBOOT_REFERENCE_DEFECTS || '').split(',').map((d) => d.trim()).filter((d) => d);
  for (const d of defects) {
    if (!DEFECTS.includes(d)) {
      fail('FIRSTBOOT_REFERENCE_DEFECTS names an unknown defect "' + d + '"; known: ' + DEFECTS.join(', '));
    }
  }
  const transport = required(env, 'FIRSTBOOT_TRANSPORT', 'say https or mqtt');
  if (transport !== 'https' && transport !== 'mqtt') {
    fail('FIRSTBOOT_TRANSPORT must be https or mqtt, got "' + transport + '"');
  }
  const attestation = required(env, 'FIRSTBOOT_ATTESTATION', 'say symmetric-key or x509');
  const s = {
    defects: new Set(defects),
    transport,
    attestation,
    dpsHost: required(env, 'FIRSTBOOT_DPS_HOST', 'give the DPS global device endpoint host'),
    dpsHttpsPort: port(env, 'FIRSTBOOT_DPS_HTTPS_PORT', STOCK_DPS_HTTPS_PORT),
    dpsMqttPort: port(env, 'FIRSTBOOT_DPS_MQTT_PORT', STOCK_MQTT_PORT),
    hubMqttPort: port(env, 'FIRSTBOOT_HUB_MQTT_PORT', STOCK_MQTT_PORT),
    hubHosts: (env.FIRSTBOOT_HUB_HOSTS || '').split(',').map((h) => h.trim()).filter((h) => h),
    idScope: required(env, 'FIRSTBOOT_ID_SCOPE', 'give the DPS ID scope'),
    registrationId: required(env, 'FIRSTBOOT_REGISTRATION_ID', 'give the registration id to register as'),
  };
  if (attestation === 'symmetric-key') {
    s.key = required(env, 'FIRSTBOOT_SYMMETRIC_KEY', 'give the device key (base64)');
    secrets.push(s.key);
    if (Buffer.from(s.key, 'base64').length === 0) {
      fail('FIRSTBOOT_SYMMETRIC_KEY is not base64');
    }
  } else if (attestation === 'x509') {
    s.certPem = readFile(env, 'FIRSTBOOT_CERT_PEM', 'the device certificate (PEM, leaf first, then its chain)');
    s.keyPem = readFile(env, 'FIRSTBOOT_KEY_PEM', "the leaf's private key (PKCS#8 PEM)");
    secrets.push(s.keyPem, pemBody(s.keyPem));
  } else {
    fail('FIRSTBOOT_ATTESTATION "' + attestation + '" is not supported by this program; it does symmetric-key'
      + ' and x509 (the pinned Node SDK packages include no TPM client)');
  }
  if (s.defects.has('other-certificate') && attestation !== 'x509') {
    fail('the other-certificate defect needs FIRSTBOOT_ATTESTATION=x509');
  }
  return s;
}

function pemBody(pem) {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

/**
 * A fresh self-signed P-256 certificate with the same CN, which DPS never saw: the `other-certificate` defect.
 * Node has no certificate builder, so openssl (Debian's) makes it in a private temporary folder.
 */
function otherCertificate(commonName) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'firstboot-ref-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const run = childProcess.spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
      'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
      '-subj', '/CN=' + commonName], { encoding: 'utf8', timeout: 20000 });
    if (run.error || run.status !== 0) {
      fail('the other-certificate defect could not make a certificate with openssl: '
        + (run.error ? run.error.message : run.stderr.trim().split('\n').pop()));
    }
    const other = { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
    secrets.push(other.keyPem, pemBody(other.keyPem));
    return other;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The provisioning transport. The MQTT transport dials `mqtts://<host>`, so a port in the host string is honoured.
 * The HTTP transport always dials 443 (Node's https takes no port in `host`); for another port the program gives the
 * transport an azure-iot-http-base whose https agent dials FIRSTBOOT_DPS_HTTPS_PORT. The SDK still builds every
 * request itself.
 */
function provisioningTransport(s) {
  if (s.transport === 'mqtt') {
    const { Mqtt } = require('azure-iot-provisioning-device-mqtt');
    const host = s.dpsMqttPort === STOCK_MQTT_PORT ? s.dpsHost : authority(s.dpsHost, s.dpsMqttPort);
    return { host, transport: new Mqtt() };
  }
  const { Http } = require('azure-iot-provisioning-device-http');
  if (s.dpsHttpsPort === STOCK_DPS_HTTPS_PORT) {
    return { host: s.dpsHost, transport: new Http() };
  }
  // The http-base the transport itself was built with (npm may nest another version).
  const HttpBase = require(require.resolve('azure-iot-http-base',
    { paths: [path.dirname(require.resolve('azure-iot-provisioning-device-http'))] })).Http;
  const agent = new https.Agent({ keepAlive: false });
  const createConnection = agent.createConnection;
  agent.createConnection = function (options, callback) {
    return createConnection.call(this, Object.assign({}, options, { port: s.dpsHttpsPort }), callback);
  };
  const base = new HttpBase();
  base.setOptions({ http: { agent } });
  return { host: s.dpsHost, transport: new Http(base) };
}

function securityClient(s, registrationId, credential) {
  if (s.attestation === 'symmetric-key') {
    const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');
    return new SymmetricKeySecurityClient(registrationId, s.key);
  }
  const { X509Security } = require('azure-iot-security-x509');
  return new X509Security(registrationId, { cert: credential.certPem, key: credential.keyPem });
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new ProgramFailure(what + ' did not finish within ' + ms / 1000 + ' s')), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Registration as the SDK samples do it: the SDK's client polls as retry-after says. */
function register(s, registrationId, credential) {
  const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
  const { host, transport } = provisioningTransport(s);
  const client = ProvisioningDeviceClient.create(host, s.idScope, transport, securityClient(s, registrationId,
    credential));
  return withDeadline(new Promise((resolve, reject) => {
    client.register((err, result) => (err ? reject(err) : resolve(result)));
  }), STEP_DEADLINE_MS, 'the registration');
}

/**
 * The `ignores-retry-after` defect: the program drives the SDK's provisioning transport itself, sending the
 * register request and then status queries back to back, never waiting the retry-after DPS sends (nor the SDK's
 * polling interval). Throttled (429) answers are retried at once too.
 */
async function registerInATightLoop(s, registrationId, credential) {
  const { host, transport } = provisioningTransport(s);
  const request = { registrationId, idScope: s.idScope, provisioningHost: host };
  const security = securityClient(s, registrationId, credential);
  if (s.attestation === 'symmetric-key') {
    const sas = await new Promise((resolve, reject) => security.createSharedAccessSignature(s.idScope,
      (err, token) => (err ? reject(err) : resolve(token))));
    transport.setSharedAccessSignature(sas.toString());
  } else {
    transport.setAuthentication({ cert: credential.certPem, key: credential.keyPem });
  }
  const call = (fn) => new Promise((resolve, reject) => fn((err, result, response) => (err
    ? reject(err) : resolve({ result, response }))));
  let operationId;
  try {
    for (let n = 1; n <= TIGHT_LOOP_MAX_REQUESTS; n++) {
      let answer;
      try {
        answer = operationId === undefined
          ? await call((cb) => transport.registrationRequest(request, cb))
          : await call((cb) => transport.queryOperationStatus(request, operationId, cb));
      } catch (err) {
        if (err.response && err.response.statusCode === 429) {
          continue;
        }
        throw err;
      }
      const result = answer.result || {};
      if (result.status === 'assigned') {
        return result.registrationState;
      }
      if (result.status === 'failed' || result.status === 'disabled') {
        const state = result.registrationState || {};
        fail('DPS answered ' + result.status + ' (' + (state.errorCode || '') + ' ' + (state.errorMessage || '')
          + ')');
      }
      operationId = result.operationId || operationId;
    }
    fail('still not assigned after ' + TIGHT_LOOP_MAX_REQUESTS + ' back-to-back DPS requests');
  } finally {
    await new Promise((resolve) => transport.disconnect(() => resolve()));
  }
}

/**
 * The hub client over MQTT on what DPS returned. The SDK dials `mqtts://<GatewayHostName or HostName>`, so a hub
 * port other than 8883 goes in the gateway host name; the MQTT user name and the SAS keep the hub's host name.
 */
function hubClient(s, hubHost, deviceId, credential) {
  const { Client, X509AuthenticationProvider } = require('azure-iot-device');
  const { Mqtt } = require('azure-iot-device-mqtt');
  const gateway = s.hubMqttPort === STOCK_MQTT_PORT ? undefined : authority(hubHost, s.hubMqttPort);
  let client;
  if (s.attestation === 'symmetric-key') {
    client = Client.fromConnectionString('HostName=' + hubHost + ';DeviceId=' + deviceId + ';SharedAccessKey='
      + s.key + (gateway ? ';GatewayHostName=' + gateway : ''), Mqtt);
  } else {
    const credentials = { host: hubHost, deviceId, x509: { cert: credential.certPem, key: credential.keyPem } };
    if (gateway) {
      credentials.gatewayHostName = gateway;
    }
    client = Client.fromAuthenticationProvider(new X509AuthenticationProvider(credentials), Mqtt);
  }
  // One attempt: a refused or failed connection is this program's failure, not minutes of SDK retries.
  const { NoRetry } = require('azure-iot-common');
  client.setRetryPolicy(new NoRetry());
  return client;
}

function otherHub(s, assigned) {
  const other = s.hubHosts.find((h) => h !== assigned);
  if (!other) {
    fail('the wrong-hub defect needs a second hub in FIRSTBOOT_HUB_HOSTS (got "' + s.hubHosts.join(',') + '")');
  }
  return other;
}

function idle(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main() {
  const s = settings(process.env);
  const registrationId = s.defects.has('wrong-registration-id') ? s.registrationId + '-x' : s.registrationId;
  const credential = s.attestation !== 'x509' ? undefined
    : (s.defects.has('other-certificate') ? otherCertificate(s.registrationId)
      : { certPem: s.certPem, keyPem: s.keyPem });
  if (s.defects.has('prints-key')) {
    say(s.attestation === 'symmetric-key' ? 'symmetric key ' + s.key : 'private key ' + pemBody(credential.keyPem));
  }
  say('registering ' + registrationId + ' over ' + s.transport);
  let state;
  try {
    state = s.defects.has('ignores-retry-after')
      ? await withDeadline(registerInATightLoop(s, registrationId, credential), STEP_DEADLINE_MS, 'the registration')
      : await register(s, registrationId, credential);
  } catch (err) {
    if (err instanceof ProgramFailure) {
      throw err;
    }
    fail('registration of ' + registrationId + ' over ' + s.transport + ' failed: ' + describe(err));
  }
  if (!state || !state.assignedHub || !state.deviceId) {
    fail('DPS returned no assigned hub or device id for ' + registrationId);
  }
  say('assigned hub=' + state.assignedHub + ' device=' + state.deviceId);

  if (s.defects.has('no-hub-connection')) {
    await idle(IDLE_AFTER_ASSIGNED_MS);
    return;
  }
  const hubHost = s.defects.has('wrong-hub') ? otherHub(s, state.assignedHub) : state.assignedHub;
  const client = hubClient(s, hubHost, state.deviceId, credential);
  let connected = true;
  try {
    await withDeadline(client.open(), STEP_DEADLINE_MS, 'the hub connection');
  } catch (err) {
    if (!s.defects.has('wrong-hub')) {
      fail('the hub ' + hubHost + ' refused or dropped the connection of ' + state.deviceId + ': '
        + describe(err));
    }
    connected = false;
  }
  // With wrong-hub, the device claims the connection whether or not that hub let it in.
  say('connected hub=' + hubHost + ' device=' + state.deviceId);
  if (!connected) {
    return;
  }
  try {
    const { Message } = require('azure-iot-device');
    const message = new Message(JSON.stringify({ temperature: 21.5 }));
    message.properties.add('source', 'firstboot-ref-node');
    await withDeadline(client.sendEvent(message), STEP_DEADLINE_MS, 'the telemetry send');
  } catch (err) {
    fail('telemetry to ' + hubHost + ' failed: ' + describe(err));
  }
  say('telemetry sent');
  await withDeadline(client.close(), STEP_DEADLINE_MS, 'closing the hub connection').catch(() => { });
}

/**
 * Node reads NODE_EXTRA_CA_CERTS only at start, so the program runs itself again with it set to
 * FIRSTBOOT_TRUST_PEM (passing `ca` to the SDK's clients would replace the default roots instead). The child shares
 * the process group, stdout and stderr; its exit status becomes this one's.
 */
function relaunchTrusting(trustPem) {
  if (!fs.existsSync(trustPem)) {
    say('failed: FIRSTBOOT_TRUST_PEM names ' + trustPem + ', which does not exist; give the path of the CA'
      + ' certificate (PEM) the emulators chain to');
    process.exit(1);
  }
  const child = childProcess.spawn(process.execPath, [__filename], {
    stdio: 'inherit',
    env: Object.assign({}, process.env, { NODE_EXTRA_CA_CERTS: trustPem }),
  });
  const forward = (signal) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  child.on('error', (err) => {
    say('failed: cannot start ' + process.execPath + ': ' + err.message);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code !== null ? code : 128 + (os.constants.signals[signal] || 1)));
}

process.on('uncaughtException', (err) => {
  say('failed: ' + masked(err instanceof ProgramFailure ? err.message : describe(err)));
  process.exit(1);
});

const trust = process.env.FIRSTBOOT_TRUST_PEM;
if (!trust) {
  say('failed: FIRSTBOOT_TRUST_PEM is not set; give the path of the CA certificate (PEM) the emulators\''
    + ' server certificates chain to');
  process.exit(1);
} else if (process.env.NODE_EXTRA_CA_CERTS !== trust) {
  relaunchTrusting(trust);
} else {
  main().then(() => process.exit(0), (err) => {
    say('failed: ' + masked(err instanceof ProgramFailure ? err.message : describe(err)));
    process.exit(1);
  });
}
