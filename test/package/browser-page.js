/**
 * The page of test/package/browser.test.ts: a case system's web page using the browser bundle of the SDK
 * (client-sdk/scripts/bundle-browser.mjs) and sql.js, served from its own origin. It puts two functions
 * on `window` for the test to call.
 */
import {
  Agreement,
  BryggaClient,
  Directory,
  enrolDevice,
  HpkeKeyPair,
  openPacket,
  openSqlJsStore,
  publishHpkeKey,
  RelayClient,
  SigningKeyPair,
  sealPacket,
  toBase64url,
} from './brygga-sdk.js';

const UNITS = ['stockholm-jarva', 'malmo'];

/** Root keys for both units and the agreement `terms` signed by both. */
function signedAgreement(terms) {
  const roots = Object.fromEntries(UNITS.map((u) => [u, SigningKeyPair.generate()]));
  const filled = structuredClone(terms);
  for (const p of filled.parties) p.rootKey = roots[p.unit].publicKey.serialize();
  let agreement = Agreement.create(filled);
  for (const u of UNITS) agreement = agreement.sign(roots[u]);
  return { roots, agreement };
}

/** A device of each unit: its keys and the statements that enrol it and publish its encryption key. */
function devicesOf(roots, now) {
  const devices = {};
  const statements = [];
  for (const u of UNITS) {
    const key = SigningKeyPair.generate();
    const hpke = HpkeKeyPair.generate();
    statements.push(
      enrolDevice(roots[u], { unit: u, key: key.publicKey, name: `${u} webbläsare`, now }),
      publishHpkeKey(key, { unit: u, key: hpke.publicKey, now }),
    );
    devices[u] = { key, hpke };
  }
  return { devices, statements };
}

/** Seal a message from Järva to Malmö and open it on Malmö's side, all in the page. */
window.sealAndOpen = async (terms, text) => {
  const now = new Date();
  const { roots, agreement } = signedAgreement(terms);
  const { devices, statements } = devicesOf(roots, now);
  const directory = new Directory(agreement);
  directory.applyAll(statements);
  const sealed = await sealPacket({
    sender: { unit: 'stockholm-jarva', key: devices['stockholm-jarva'].key },
    recipients: directory.recipientsFor(['malmo'], now),
    type: 'message',
    caseId: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
    prev: null,
    body: { text },
    now,
  });
  const malmo = devices.malmo;
  const opened = await openPacket({
    envelope: sealed.envelope.serialize(),
    device: {
      unit: 'malmo',
      kid: malmo.key.kid,
      hpkeKey: (kid) => (kid === malmo.hpke.kid ? malmo.hpke : undefined),
    },
    directory,
    now,
  });
  return {
    envelopeBytes: sealed.envelope.serialize().length,
    body: opened.claims.body,
    from: opened.claims.iss,
  };
};

/** A referral end to end over the relay at `relayUrl` (another origin), each unit on a sql.js store. */
window.referral = async ({ relayUrl, audience, adminToken, terms, referral }) => {
  const now = new Date();
  const { roots, agreement } = signedAgreement(terms);
  const admin = new RelayClient({ baseUrl: relayUrl, audience });
  await admin.installAgreement(adminToken, agreement);
  const { devices, statements } = devicesOf(roots, now);
  for (const s of statements) await admin.submitStatement(s);
  const SQL = await window.initSqlJs({ locateFile: (file) => `/${file}` });
  const clients = {};
  for (const u of UNITS) {
    const { store } = await openSqlJsStore(new SQL.Database());
    clients[u] = await BryggaClient.open({
      identity: { unit: u, key: devices[u].key, hpkeKeys: [devices[u].hpke] },
      agreement,
      store,
      relayUrl,
      relayAudience: audience,
    });
  }
  for (const u of UNITS) await clients[u].sync();
  const { caseId } = await clients['stockholm-jarva'].refer(referral);
  await clients.malmo.sync();
  await clients['stockholm-jarva'].sync();
  const [first] = await clients.malmo.caseLog(caseId);
  const receipts = await clients['stockholm-jarva'].receipts(caseId);
  const atMalmo = await clients.malmo.getCase(caseId);
  return {
    type: first.type,
    person: first.body.person.name,
    from: first.from.unit,
    receipts: receipts.length,
    status: atMalmo.status,
  };
};

window.pageReady = true;
