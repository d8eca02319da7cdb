/**
 * Administration: unit root keys, the agreement and its signatures, safety numbers,
 * devices (enrolment, HPKE key rotation, revocation; PROTOCOL.md §5–6) and installing the agreement on
 * the relay.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import {
  AGREEMENT_TEMPLATES,
  Agreement,
  agreementTemplate,
  decryptSigningKey,
  designateIntake,
  encryptKey,
  enrolDevice,
  HpkeKeyPair,
  ID_PATTERN,
  isAgreementTemplate,
  KID_PATTERN,
  loadIdentity,
  offeredServices,
  publishHpkeKey,
  RelayClient,
  readKeyFile,
  revokeDevice,
  SigningKeyPair,
  SigningPublicKey,
  saveIdentity,
  serializeKeyFile,
  templateUnits,
} from '../index.js';
import { openSqliteStore } from '../node/index.js';
import type { Args, Command } from './_command.js';
import { type DeviceConfig, deviceDir, devicePaths } from './_device-dir.js';
import {
  CliError,
  type Io,
  passphrase,
  readJsonFile,
  readText,
  report,
  usage,
  writeFileAtomic,
} from './_io.js';

function str(args: Args, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

function need(args: Args, name: string): string {
  const v = str(args, name);
  if (v === undefined) throw usage(`--${name} is required`, 'see --help');
  return v;
}

function positional(args: Args, index: number, name: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw usage(`${name} is required`, 'see --help');
  return v;
}

function loadAgreement(path: string): Agreement {
  const text = readText(path, 'the agreement');
  return Agreement.deserialize(text);
}

/** Decrypt a unit's root key file. */
async function unlockRoot(io: Io, path: string): Promise<SigningKeyPair> {
  const file = readKeyFile(readText(path, 'the root key file'));
  return decryptSigningKey(file, await passphrase(io, `the root key ${path}`));
}

function relayOf(args: Args): { url: string; audience: string } {
  const url = need(args, 'relay');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--relay ${url} is not a URL`, 'give the relay base URL, e.g. https://brygga.example.se');
  }
  return {
    url: parsed.toString().replace(/\/$/, ''),
    audience: str(args, 'audience') ?? parsed.toString().replace(/\/$/, ''),
  };
}

const RELAY_OPTIONS = {
  relay: { type: 'string', description: "the relay's base URL", required: true },
  audience: { type: 'string', description: "the relay's public URL, when it differs from --relay" },
} as const;

/** Labels for the terms' members in `agreement show`; a member without one is shown under its own name. */
const TERM_LABELS: Record<string, string> = {
  supersedes: 'Supersedes',
  municipalities: 'Municipalities (quota: referrals outgoing and incoming)',
  catalogue: 'Service catalogue',
  admits: 'Admitted cases',
  reporting: 'Reporting terms',
};

/** Members `agreement show` prints in its header lines. */
const HEADER_MEMBERS = new Set(['v', 'kind', 'id', 'sequence', 'title', 'period', 'parties']);

/** A value as one line of text: objects as `key: value` pairs, lists joined. */
function inline(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map(inline).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${typeof v === 'object' && v !== null ? `(${inline(v)})` : inline(v)}`)
      .join(', ');
  }
  return String(value);
}

/** Every member of the terms but the header's, each under its label: lists one item a line. */
function termLines(terms: object): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(terms)) {
    if (HEADER_MEMBERS.has(key)) continue;
    const label = TERM_LABELS[key] ?? key;
    if (Array.isArray(value)) {
      lines.push(`${label}:`, ...value.map((item) => `  ${inline(item)}`));
    } else if (value !== null && typeof value === 'object') {
      lines.push(
        `${label}:`,
        ...Object.entries(value as Record<string, unknown>).map(([k, v]) => `  ${k}: ${inline(v)}`),
      );
    } else {
      lines.push(`${label}: ${inline(value)}`);
    }
  }
  return lines;
}

/**
 * The root keys of `--root unit=<key or key file>,…`: each a unit of the template, each value a root
 * public key (base64url) or a key file of `brygga unit init` (its public part; no passphrase needed).
 */
function templateRoots(value: string | undefined, units: readonly string[]): Record<string, string> {
  const roots: Record<string, string> = {};
  if (value === undefined) return roots;
  for (const item of value.split(',').filter((x) => x.trim() !== '')) {
    const at = item.indexOf('=');
    const unit = item.slice(0, at).trim();
    const given = item.slice(at + 1).trim();
    if (at < 1 || given === '')
      throw usage(`--root ${item} is not <unit>=<key or key file>`, 'e.g. --root malmo=malmo-root.key');
    if (!units.includes(unit))
      throw usage(`--root names ${unit}, not a party of the template`, `the parties: ${units.join(', ')}`);
    let key: string;
    if (existsSync(given)) {
      const file = readKeyFile(readText(given, 'the root key file'));
      if (file.alg !== 'Ed25519') throw new CliError('ERR_MALFORMED', `${given} does not hold a signing key`);
      key = file.public;
    } else {
      key = given;
    }
    try {
      roots[unit] = SigningPublicKey.deserialize(key).serialize();
    } catch {
      throw usage(
        `--root ${unit}: ${given} is neither a key file nor a root public key`,
        'give the key file of `brygga unit init`, or the public key it printed',
      );
    }
  }
  return roots;
}

export const ADMIN_COMMANDS: Command[] = [
  {
    words: ['unit', 'init'],
    summary: "Make a unit's root key (rotnyckel) in a passphrase-protected key file.",
    details: [
      'The passphrase comes from a prompt, or from BRYGGA_PASSPHRASE. Read the safety number to the other',
      'units over the phone before they put the public key in the agreement.',
    ],
    options: {
      unit: { type: 'string', description: 'the unit id, e.g. stockholm-jarva', required: true },
      out: { type: 'string', description: 'where to write the key file (never overwritten)', required: true },
    },
    async run(args, io) {
      const unit = need(args, 'unit');
      if (!ID_PATTERN.test(unit))
        throw usage(`the unit id ${unit} is not valid`, 'use lower-case letters, digits and -');
      const out = need(args, 'out');
      if (existsSync(out))
        throw new CliError('ERR_EXISTS', `${out} already exists`, { hint: 'choose another path' });
      const pass = await passphrase(io, `the new root key of ${unit}`, { confirm: true });
      const root = SigningKeyPair.generate();
      writeFileAtomic(out, `${serializeKeyFile(await encryptKey(root, pass))}\n`, { mode: 0o600 });
      const result = {
        unit,
        kid: root.kid,
        rootKey: root.publicKey.serialize(),
        safetyNumber: root.publicKey.safetyNumber(unit),
        file: out,
      };
      report(io, result, () => [
        `Root key of ${unit} written to ${out} (encrypted under your passphrase).`,
        `Public key (rootKey for the agreement): ${result.rootKey}`,
        `Safety number: ${result.safetyNumber}`,
      ]);
      return 0;
    },
  },
  {
    words: ['agreement', 'init'],
    summary:
      "Write the agreement's terms (JSON) as the 2023 agreement or the 2025 extension set them, to edit.",
    details: [
      'The terms name the three municipalities and the units of the decision, the period, the quota, the',
      "catalogue of services and each city's offer, the admitted cases, police consultation and approval,",
      'the target group, the deadlines and the deviable rules (README: "Ready-made terms"). Edit them to',
      'what your decision says, then make the agreement: brygga agreement create --terms <file> --out <file>.',
      'Each party\'s rootKey is left to fill in ("FILL IN: …") unless --root gives it: a comma-separated',
      'list of <unit>=<root key file or public key>, e.g. --root malmo=malmo-root.key,goteborg-nordost=<key>.',
      'An extension also sets sequence (+1) and supersedes (the digest of the agreement it extends).',
    ],
    options: {
      template: {
        type: 'string',
        description: `the decision to start from: ${AGREEMENT_TEMPLATES.join(' or ')}`,
        required: true,
      },
      out: { type: 'string', description: 'where to write the terms (default: standard output)' },
      force: { type: 'boolean', description: 'overwrite --out if it exists' },
      root: { type: 'string', description: "parties' root keys: <unit>=<key file or public key>,…" },
    },
    async run(args, io) {
      const template = need(args, 'template');
      if (!isAgreementTemplate(template))
        throw usage(`there is no template ${template}`, `choose ${AGREEMENT_TEMPLATES.join(' or ')}`);
      const units = templateUnits(template).map((p) => p.unit);
      const roots = templateRoots(str(args, 'root'), units);
      const terms = agreementTemplate(template, roots);
      const missingRoots = units.filter((u) => roots[u] === undefined);
      const text = `${JSON.stringify(terms, null, 2)}\n`;
      const out = str(args, 'out');
      const toFill = missingRoots.length
        ? `Still to fill in: the rootKey of ${missingRoots.join(', ')} (from \`brygga unit init\`; compare safety numbers by phone).`
        : 'Every root key is filled in.';
      if (out === undefined) {
        io.out(text);
        io.err(`${toFill}\n`);
        return 0;
      }
      if (existsSync(out) && args.values.force !== true) {
        throw new CliError('ERR_EXISTS', `${out} already exists`, {
          hint: 'choose another --out, or add --force to overwrite it',
        });
      }
      writeFileAtomic(out, text, { overwrite: args.values.force === true });
      report(io, { template, file: out, parties: units, missingRoots }, () => [
        `Terms of the ${template} ${template === '2023' ? 'agreement' : 'extension'} written to ${out}: edit them to what your decision says.`,
        toFill,
        `Then: brygga agreement create --terms ${out} --out <agreement.json>`,
      ]);
      return 0;
    },
  },
  {
    words: ['agreement', 'create'],
    summary: 'Make an unsigned agreement document from a terms file (JSON, PROTOCOL.md §5).',
    options: {
      terms: { type: 'string', description: 'the terms (JSON)', required: true },
      out: {
        type: 'string',
        description: 'where to write the agreement (never overwritten)',
        required: true,
      },
    },
    async run(args, io) {
      const agreement = Agreement.create(readJsonFile(need(args, 'terms'), 'the terms file') as never);
      writeFileAtomic(need(args, 'out'), `${agreement.serialize()}\n`);
      report(
        io,
        { digest: agreement.digest, missing: agreement.missingSignatures().map((p) => p.unit) },
        () => [
          `Agreement ${agreement.terms.id} (sequence ${agreement.terms.sequence}) written to ${str(args, 'out')}.`,
          `Every party signs it in turn: brygga agreement sign ${str(args, 'out')} --key <root key file>`,
        ],
      );
      return 0;
    },
  },
  {
    words: ['agreement', 'sign'],
    summary: "Add a unit's signature to the agreement file, in place.",
    positionals: ['<agreement.json>'],
    options: { key: { type: 'string', description: "the unit's root key file", required: true } },
    async run(args, io) {
      const path = positional(args, 0, 'the agreement file');
      const agreement = loadAgreement(path);
      const root = await unlockRoot(io, need(args, 'key'));
      const signed = agreement.sign(root);
      writeFileAtomic(path, `${signed.serialize()}\n`, { overwrite: true });
      const missing = signed.missingSignatures().map((p) => p.unit);
      report(io, { signedBy: signed.partyOf(root.publicKey)?.unit, missing }, () => [
        `Signed by ${signed.partyOf(root.publicKey)?.unit}.`,
        missing.length ? `Still to sign: ${missing.join(', ')}.` : 'Every party has signed.',
      ]);
      return 0;
    },
  },
  {
    words: ['agreement', 'show'],
    summary: 'Show the agreement: its terms, the parties with their safety numbers, and who has signed.',
    positionals: ['<agreement.json>'],
    async run(args, io) {
      const agreement = loadAgreement(positional(args, 0, 'the agreement file'));
      let complete = true;
      try {
        agreement.verify();
      } catch {
        complete = false;
      }
      const missing = new Set(agreement.missingSignatures().map((p) => p.unit));
      const parties = agreement.terms.parties.map((p) => ({
        ...p,
        safetyNumber: SigningPublicKey.deserialize(p.rootKey).safetyNumber(p.unit),
        signed: !missing.has(p.unit),
      }));
      const t = agreement.terms;
      // What each municipality takes in, its `offers` or by default the whole catalogue (PROTOCOL.md §5.5).
      const offers = t.municipalities.map((m) => ({ municipality: m.id, offers: offeredServices(t, m.id) }));
      report(io, { ...t, parties, offers, digest: agreement.digest, complete }, () => [
        `${t.title}`,
        `Agreement ${t.id}, sequence ${t.sequence}, ${t.period.from} – ${t.period.to}, digest ${agreement.digest}`,
        'Parties (root keys: compare each safety number with its unit before signing):',
        ...parties.map(
          (p) =>
            `  ${p.unit.padEnd(20)} ${p.safetyNumber}  ${p.signed ? 'signed' : 'NOT SIGNED'}  ${p.name} (${p.municipality})`,
        ),
        ...termLines(t),
        'Services each municipality offers when it receives a case:',
        ...offers.map((o) => `  ${o.municipality.padEnd(20)} ${o.offers.join(', ')}`),
        complete
          ? 'Every party has signed, and every signature verifies.'
          : 'Not in force: signatures are missing or invalid.',
      ]);
      return 0;
    },
  },
  {
    words: ['fingerprint'],
    summary: 'Show safety numbers (säkerhetsnummer): of a key file, or of every party of an agreement.',
    options: {
      key: { type: 'string', description: 'a key file (its public part; no passphrase needed)' },
      unit: { type: 'string', description: 'the owner of --key' },
      agreement: { type: 'string', description: 'an agreement file' },
    },
    async run(args, io) {
      const rows: { unit: string; kid: string; safetyNumber: string }[] = [];
      const key = str(args, 'key');
      const agreementPath = str(args, 'agreement');
      if (!key && !agreementPath) throw usage('give --key <file> --unit <id>, or --agreement <file>');
      if (key) {
        const file = readKeyFile(readText(key, 'the key file'));
        const unit = need(args, 'unit');
        if (file.alg !== 'Ed25519') throw new CliError('ERR_MALFORMED', `${key} does not hold a signing key`);
        rows.push({
          unit,
          kid: file.kid,
          safetyNumber: SigningPublicKey.deserialize(file.public).safetyNumber(unit),
        });
      }
      if (agreementPath) {
        for (const p of loadAgreement(agreementPath).terms.parties) {
          const k = SigningPublicKey.deserialize(p.rootKey);
          rows.push({ unit: p.unit, kid: k.kid, safetyNumber: k.safetyNumber(p.unit) });
        }
      }
      report(io, rows, () => rows.map((r) => `${r.unit.padEnd(20)} ${r.safetyNumber}`));
      return 0;
    },
  },
  {
    words: ['relay', 'install-agreement'],
    summary: 'Install a fully signed agreement on the relay (administrators: token in BRYGGA_ADMIN_TOKEN).',
    positionals: ['<agreement.json>'],
    options: { ...RELAY_OPTIONS },
    async run(args, io) {
      const agreement = loadAgreement(positional(args, 0, 'the agreement file'));
      const token = io.env.BRYGGA_ADMIN_TOKEN;
      if (!token) {
        throw new CliError('ERR_NO_ADMIN_TOKEN', 'BRYGGA_ADMIN_TOKEN is not set', {
          hint: "set it to the relay's admin token in the environment (never on the command line)",
        });
      }
      const relay = relayOf(args);
      const result = await new RelayClient({ baseUrl: relay.url, audience: relay.audience }).installAgreement(
        token,
        agreement.verify(),
      );
      report(io, result, () => [
        `${result.created ? 'Installed' : 'Already installed'}: agreement ${agreement.terms.id} sequence ${result.sequence}.`,
      ]);
      return 0;
    },
  },
  {
    words: ['device', 'enrol'],
    summary: 'Enrol a new device of a unit: keys in a local store, enrolment and HPKE key on the relay.',
    details: [
      'Asks first for the root key passphrase, then for a new passphrase protecting the device keys',
      '(with BRYGGA_PASSPHRASE set, both are that value).',
    ],
    options: {
      device: {
        type: 'string',
        description: 'the new device directory (default BRYGGA_DEVICE or ./brygga-device)',
      },
      'unit-key': { type: 'string', description: "the unit's root key file", required: true },
      agreement: { type: 'string', description: 'the signed agreement file', required: true },
      name: {
        type: 'string',
        description: 'a name for the device, e.g. "Järva ärendesystem"',
        required: true,
      },
      ...RELAY_OPTIONS,
    },
    async run(args, io) {
      const paths = devicePaths(deviceDir(io, str(args, 'device')));
      if (existsSync(paths.config)) {
        throw new CliError('ERR_EXISTS', `${paths.root} already holds a device`, {
          hint: 'choose another --device directory',
        });
      }
      const agreement = loadAgreement(need(args, 'agreement')).verify();
      const relay = relayOf(args);
      const root = await unlockRoot(io, need(args, 'unit-key'));
      const party = agreement.partyOf(root.publicKey);
      if (!party) {
        throw new CliError(
          'ERR_NOT_IN_AGREEMENT',
          'this root key is not the key of a party to the agreement',
          {
            hint: 'check that you use your own unit key and the agreement you signed',
          },
        );
      }
      const devicePass = await passphrase(io, `the new device of ${party.unit}`, { confirm: true });
      const key = SigningKeyPair.generate();
      const hpke = HpkeKeyPair.generate();
      const now = new Date();
      const name = need(args, 'name');
      const enrolment = enrolDevice(root, { unit: party.unit, key: key.publicKey, name, now });
      const publication = publishHpkeKey(key, { unit: party.unit, key: hpke.publicKey, now });
      mkdirSync(paths.root, { recursive: true, mode: 0o700 });
      const store = await openSqliteStore(paths.store);
      try {
        await saveIdentity(store.store, { unit: party.unit, key, hpkeKeys: [hpke] }, devicePass);
        await store.store.putAgreement(agreement.digest, agreement.terms.sequence, agreement.serialize());
      } finally {
        await store.close();
      }
      writeFileAtomic(paths.agreement, `${agreement.serialize()}\n`, { overwrite: true });
      const relayClient = new RelayClient({ baseUrl: relay.url, audience: relay.audience });
      await relayClient.submitStatement(enrolment);
      await relayClient.submitStatement(publication);
      const config: DeviceConfig = {
        v: 1,
        unit: party.unit,
        device: key.kid,
        name,
        relayUrl: relay.url,
        audience: relay.audience,
      };
      // Written last: a device directory with device.json is a complete, enrolled device.
      writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`, { overwrite: true });
      const result = {
        ...config,
        directory: paths.root,
        safetyNumber: key.publicKey.safetyNumber(party.unit),
      };
      report(io, result, () => [
        `Device ${key.kid} of ${party.unit} enrolled in ${paths.root}; its HPKE key is published.`,
        `Device safety number: ${result.safetyNumber}`,
      ]);
      return 0;
    },
  },
  {
    words: ['device', 'rotate-key'],
    opensDevice: true,
    summary: 'Make and publish a new HPKE key for this device (the old one still opens packets in flight).',
    options: { device: { type: 'string', description: 'the device directory' } },
    async run(args, io) {
      const paths = devicePaths(deviceDir(io, str(args, 'device')));
      if (!existsSync(paths.config))
        throw new CliError('ERR_NO_DEVICE', `no enrolled device in ${paths.root}`);
      const config = JSON.parse(readFileSync(paths.config, 'utf8')) as DeviceConfig;
      const store = await openSqliteStore(paths.store);
      try {
        const pass = await passphrase(io, `the device of ${config.unit}`);
        const identity = await loadIdentity(store.store, pass, io.derived ? { derived: io.derived } : {});
        const hpke = HpkeKeyPair.generate();
        const publication = publishHpkeKey(identity.key, { unit: identity.unit, key: hpke.publicKey });
        await new RelayClient({ baseUrl: config.relayUrl, audience: config.audience }).submitStatement(
          publication,
        );
        await saveIdentity(store.store, { ...identity, hpkeKeys: [...identity.hpkeKeys, hpke] }, pass);
        report(io, { unit: identity.unit, device: identity.key.kid, hpkeKid: hpke.kid }, () => [
          `New HPKE key ${hpke.kid} published for device ${identity.key.kid}.`,
        ]);
      } finally {
        await store.close();
      }
      return 0;
    },
  },
  {
    words: ['device', 'revoke'],
    summary: "Revoke a device of the unit (signed with the unit's root key) and publish the revocation.",
    positionals: ['<device kid>'],
    options: {
      'unit-key': { type: 'string', description: "the unit's root key file", required: true },
      unit: { type: 'string', description: 'the unit id', required: true },
      reason: { type: 'string', description: 'why, e.g. "lost laptop"', required: true },
      ...RELAY_OPTIONS,
    },
    async run(args, io) {
      const kid = positional(args, 0, 'the device key id');
      if (!KID_PATTERN.test(kid))
        throw usage(`${kid} is not a device key id`, 'copy it from `brygga device enrol` output');
      const relay = relayOf(args);
      const root = await unlockRoot(io, need(args, 'unit-key'));
      const unit = need(args, 'unit');
      const statement = revokeDevice(root, { unit, device: kid, reason: need(args, 'reason') });
      const { created } = await new RelayClient({
        baseUrl: relay.url,
        audience: relay.audience,
      }).submitStatement(statement);
      report(io, { unit, device: kid, created }, () => [`Device ${kid} of ${unit} is revoked.`]);
      return 0;
    },
  },
  {
    words: ['device', 'intake'],
    summary:
      "Designate the unit's intake, the devices that receive its new referrals (signed with the unit's root key).",
    positionals: ['<device kid>...'],
    options: {
      'unit-key': { type: 'string', description: "the unit's root key file", required: true },
      unit: { type: 'string', description: 'the unit id', required: true },
      ...RELAY_OPTIONS,
    },
    async run(args, io) {
      const devices = args.positionals;
      if (devices.length === 0)
        throw usage('name at least one device', 'e.g. brygga device intake <coordinator device kid>');
      for (const kid of devices)
        if (!KID_PATTERN.test(kid))
          throw usage(`${kid} is not a device key id`, 'copy it from `brygga device enrol` output');
      const relay = relayOf(args);
      const root = await unlockRoot(io, need(args, 'unit-key'));
      const unit = need(args, 'unit');
      const statement = designateIntake(root, { unit, devices });
      const { created } = await new RelayClient({
        baseUrl: relay.url,
        audience: relay.audience,
      }).submitStatement(statement);
      report(io, { unit, intake: [...new Set(devices)].sort(), created }, () => [
        `New referrals to ${unit} now go to ${devices.length === 1 ? 'device' : 'devices'} ${devices.join(', ')}.`,
      ]);
      return 0;
    },
  },
];
