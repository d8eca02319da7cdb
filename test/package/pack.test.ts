/**
 * The SDK installs as a package (README, "Installing the SDK"): the packed tarball, installed into a
 * project outside the repository, runs a referral end to end with plain node against a real relay, and a
 * strict TypeScript file type-checks against its declarations.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { npm, type PackedSdk, packSdk, ROOT, withSqliteAddon } from '../support/packed-sdk.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.package.test';

/** The case system's script: plain node, the package's own entry points, nothing from the repository. */
const SCRIPT = `
import { readFileSync } from 'node:fs';
import { Agreement, BryggaClient, enrolDevice, HpkeKeyPair, publishHpkeKey, RelayClient, SigningKeyPair } from '@brygga/client-sdk';
import { openSqliteStore } from '@brygga/client-sdk/node';

const [relayUrl, audience, adminToken, termsFile, dir] = process.argv.slice(2);
const units = ['stockholm-jarva', 'malmo'];
const roots = Object.fromEntries(units.map((u) => [u, SigningKeyPair.generate()]));
const terms = JSON.parse(readFileSync(termsFile, 'utf8'));
for (const p of terms.parties) p.rootKey = roots[p.unit].publicKey.serialize();
let agreement = Agreement.create(terms);
for (const u of units) agreement = agreement.sign(roots[u]);
const admin = new RelayClient({ baseUrl: relayUrl, audience });
await admin.installAgreement(adminToken, agreement);

const now = new Date();
const clients = {};
const stores = [];
for (const u of units) {
  const key = SigningKeyPair.generate();
  const hpke = HpkeKeyPair.generate();
  await admin.submitStatement(enrolDevice(roots[u], { unit: u, key: key.publicKey, name: u + ' ärendesystem', now }));
  await admin.submitStatement(publishHpkeKey(key, { unit: u, key: hpke.publicKey, now }));
  const store = await openSqliteStore(dir + '/' + u + '.sqlite');
  stores.push(store);
  clients[u] = await BryggaClient.open({ identity: { unit: u, key, hpkeKeys: [hpke] }, agreement, store: store.store, relayUrl, relayAudience: audience });
}
for (const u of units) await clients[u].sync();

const day = (d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
const { caseId } = await clients['stockholm-jarva'].refer({
  to: 'malmo',
  category: 'avhoppare',
  threatLevel: 'low',
  person: { name: 'Paketets Avhoppare', personalIdentityNumber: '19990101-1234', dateOfBirth: '1999-01-01' },
  requestedServices: ['krisstod'],
  policeConsultations: [
    { municipality: 'stockholm', date: day(-6), officer: { name: 'Kommissarie Ek', role: 'kommissarie' }, reference: 'P-1', outcome: 'Inga hinder.' },
    { municipality: 'malmo', date: day(-4), officer: { name: 'Kommissarie Al', role: 'kommissarie' }, reference: 'P-2', outcome: 'Inga hinder.' },
  ],
  policeApprovals: [],
  targetGroup: { criminalEnvironment: true, threat: 'concrete', motivated: true, notSuspectedOfSeriousCrime: true, assessedOn: day(-7), assessedBy: { name: 'Handläggare', role: 'socialsekreterare' }, assessment: 'Motiverad.' },
  childrenCheck: { responsibleForChildren: false, checkedOn: day(-7) },
  temporaryHousing: { arrangedByHome: true, from: day(3), address: 'Skyddad adress' },
  contacts: [{ unit: 'stockholm-jarva', name: 'Handläggare', role: 'socialsekreterare', phone: null, email: null }],
  consent: {
    form: 'written',
    written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: day(-2) },
    validFrom: day(-2),
    validUntil: day(300),
  },
});
await clients.malmo.sync();
await clients['stockholm-jarva'].sync();
const [first] = await clients.malmo.caseLog(caseId);
const receipts = await clients['stockholm-jarva'].receipts(caseId);
for (const s of stores) await s.close();
console.log(JSON.stringify({ caseId, type: first.type, person: first.body.person.name, from: first.from.unit, receipts: receipts.length }));
`;

/** A case system's TypeScript against the installed declarations, strict. */
const TYPED = `
import { Agreement, BryggaError, type CaseView, ERROR_TABLE, isBryggaError, SigningKeyPair } from '@brygga/client-sdk';
import { openSqliteStore, type SqliteStore } from '@brygga/client-sdk/node';

const key: SigningKeyPair = SigningKeyPair.generate();
const safety: string = key.publicKey.safetyNumber('malmo');
const status: number = ERROR_TABLE.ERR_CONSENT_MISSING.status;
export function describeCase(c: CaseView): string {
  return c.caseId + ' ' + c.status + ' ' + safety + status;
}
export function code(e: unknown): string | null {
  return isBryggaError(e) ? e.code : e instanceof BryggaError ? 'never' : null;
}
export const open: (path: string) => Promise<SqliteStore> = openSqliteStore;
// The declarations are real types, not \`any\`: each misuse below is an error.
// @ts-expect-error: deserialize takes the document's text or bytes, not a number.
Agreement.deserialize(42);
// @ts-expect-error: no such member.
key.secretBytes();
`;

describe('the SDK as an installed package', { timeout: 600_000 }, () => {
  let dir: string;
  let project: string;
  let packed: PackedSdk;
  let relay: RelayProcess;
  const adminToken = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-pack-'));
    packed = packSdk(dir);
    project = join(dir, 'case-system');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'case-system', version: '1.0.0', private: true, type: 'module' }),
    );
    npm(project, ['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock', packed.tarball]);
    withSqliteAddon(join(project, 'node_modules'));
    relay = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_ADMIN_TOKEN: adminToken,
      BRYGGA_PUBLIC_URL: AUDIENCE,
    });
  });
  afterAll(async () => {
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the compiled SDK, its declarations and the binary, and no sources or tests', () => {
    console.log(
      `packed SDK: ${packed.size} bytes (${packed.unpackedSize} unpacked, ${packed.files.length} files)`,
    );
    expect(packed.files).toContain('dist/index.js');
    expect(packed.files).toContain('dist/index.d.ts');
    expect(packed.files).toContain('dist/node/index.js');
    expect(packed.files).toContain('bin/brygga.js');
    expect(
      packed.files.filter((f) => f.startsWith('src/') || /\.test\.|\.tsx?$/.test(f.replace(/\.d\.ts$/, ''))),
    ).toEqual([]);
  });

  it('runs a referral from plain node: two units enrolled, sent, received and opened', () => {
    const terms = agreementTerms([party('stockholm-jarva', 'x'), party('malmo', 'x')], {
      period: periodFromThisYear(),
      municipalities: [
        { id: 'stockholm', name: 'Stockholms stad', quota: { outgoing: 2, incoming: 2 } },
        { id: 'malmo', name: 'Malmö stad', quota: { outgoing: 2, incoming: 2 } },
      ],
    });
    writeFileSync(join(project, 'terms.json'), JSON.stringify(terms));
    writeFileSync(join(project, 'referral.mjs'), SCRIPT);
    const out = execFileSync(
      process.execPath,
      ['referral.mjs', relay.url, AUDIENCE, adminToken, join(project, 'terms.json'), project],
      { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(result).toMatchObject({
      type: 'referral',
      person: 'Paketets Avhoppare',
      from: 'stockholm-jarva',
      receipts: 1,
    });
  });

  it('installs the brygga binary on a workstation: npm install -g, then brygga from the prefix', () => {
    const prefix = join(dir, 'workstation');
    npm(dir, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', packed.tarball]);
    const help = spawnSync(join(prefix, 'bin', 'brygga'), ['--help'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/agreement show/);
    expect(help.stdout).toMatch(/device enrol/);
  });

  it('type-checks a strict TypeScript file against the installed declarations', () => {
    writeFileSync(join(project, 'typed.ts'), TYPED);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
          verbatimModuleSyntax: true,
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // The first run checks the package's declarations too (skipLibCheck off); the second only the file.
    const run = (...flags: string[]): string => {
      try {
        return execFileSync(process.execPath, [tsc, '-p', project, ...flags], {
          cwd: project,
          encoding: 'utf8',
        });
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e);
      }
    };
    expect(run()).toBe('');
    // And a type error in the case system's code is found through the installed types.
    writeFileSync(
      join(project, 'typed.ts'),
      `${TYPED}\nexport const wrong: number = SigningKeyPair.generate().publicKey.safetyNumber('malmo');\n`,
    );
    expect(run('--skipLibCheck')).toMatch(/typed\.ts.*TS2322/);
  });
});
