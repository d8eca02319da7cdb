/**
 * The `brygga` CLI end to end, only through the binary, against a real relay process:
 * three units set up (root keys, the agreement signed by all, installed, one device each), then a
 * referral from Stockholm (Järva) to Malmö through acceptance, plan, follow-up, costs and closure, and
 * its evidence verified offline; then a referral answered question by question on standard input, a
 * consent attested again after a withdrawal, and the half-year's reconciliation between Stockholm and
 * Malmö, proposed and countersigned, with the same figures at both ends. Last, the relay's transparency
 * log is audited: its checkpoint with a witness's cosignature, every entry replayed to the signed root,
 * one unit's key history, and a relay that alters an entry (behind a proxy) caught at that entry. Then
 * the agreement's reports (PROTOCOL.md §20–23): a deviation recorded and listed in the deviation register,
 * the month's statistics as CSV and JSON matching the cases made here (small counts as "<5", a cost of
 * one case hidden as "x"), the consent running out among what is due, every unit's signed figures
 * (Göteborg's sent before its device is revoked) and the joint evaluation report written as HTML holding
 * every one of them, and a purge that finds nothing to purge yet. The refusals (wrong passphrase, unknown
 * unit, revoked device, malformed referral or consent file, an answer the rules refuse, a bad period
 * label, a wrong log key, a tampered log) each give a clear message and a non-zero exit code, and lose
 * nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CaseState,
  combineFigures,
  type StatisticsReport,
  type UnitFigures,
} from '../../client-sdk/src/cases/index.js';
import { textsFor } from '../../client-sdk/src/console/_i18n/index.js';
import { figureText, namesOf, rowLabel } from '../../client-sdk/src/console/_reports/figures.js';
import { SigningKeyPair } from '../../client-sdk/src/crypto/keys.js';
import { verifierKey } from '../../client-sdk/src/transparency/note.js';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { brygga, bryggaAsync, day, tamperingProxy, writeJson } from './cli-harness.js';

const UNITS = ['stockholm-jarva', 'goteborg-nordost', 'malmo'] as const;
type Unit = (typeof UNITS)[number];
const MUNICIPALITY: Record<Unit, string> = {
  'stockholm-jarva': 'stockholm',
  'goteborg-nordost': 'goteborg',
  malmo: 'malmo',
};
const AUDIENCE = 'https://brygga.test.invalid';
const PASS: Record<Unit, string> = {
  'stockholm-jarva': 'järva-lösenfras-2025',
  'goteborg-nordost': 'nordost-lösenfras-2025',
  malmo: 'malmö-lösenfras-2025',
};

function referralBody(home: Unit, to: Unit) {
  return {
    to,
    category: 'avhoppare',
    threatLevel: 'high',
    person: {
      name: 'Anonym Avhoppare',
      personalIdentityNumber: '19990101-1234',
      dateOfBirth: '1999-01-01',
    },
    requestedServices: ['krisstod', 'kontaktperson'],
    policeConsultations: [
      {
        municipality: MUNICIPALITY[home],
        date: day(-6),
        officer: { name: 'Polis Hem', role: 'avhopparsamordnare' },
        reference: 'POL-1',
        outcome: 'Inga invändningar.',
      },
      {
        municipality: MUNICIPALITY[to],
        date: day(-4),
        officer: { name: 'Polis Mottagare', role: 'avhopparsamordnare' },
        reference: 'POL-2',
        outcome: 'Inga invändningar.',
      },
    ],
    policeApprovals: [
      {
        municipality: MUNICIPALITY[home],
        date: day(-6),
        officer: { name: 'Polis Hem', role: 'avhopparsamordnare' },
        reference: 'POL-1',
        approved: true,
      },
      {
        municipality: MUNICIPALITY[to],
        date: day(-4),
        officer: { name: 'Polis Mottagare', role: 'avhopparsamordnare' },
        reference: 'POL-2',
        approved: true,
      },
    ],
    targetGroup: {
      criminalEnvironment: true,
      threat: 'concrete',
      motivated: true,
      notSuspectedOfSeriousCrime: true,
      assessedOn: day(-7),
      assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
      assessment: 'Motiverad.',
    },
    childrenCheck: { responsibleForChildren: false, checkedOn: day(-7) },
    temporaryHousing: { arrangedByHome: true, from: day(3), address: 'Skyddad adress' },
    contacts: [{ unit: home, name: 'Handläggare', role: 'socialsekreterare', phone: null, email: null }],
    consent: {
      form: 'written',
      written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: day(-2) },
      validFrom: day(-2),
      validUntil: day(300),
    },
  };
}

/** A piece of HTML as a reader sees it: without tags, entities decoded, white space squeezed. */
function htmlText(html: string): string {
  return html
    .replace(/<style\b[\s\S]*?<\/style>/g, '')
    .replace(/<\/?(p|div|td|th|tr|h[1-6]|li|dt|dd|caption|table|section|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim();
}

/** The body rows of every table of an HTML document, each row as its cells' texts, by caption. */
function htmlTables(html: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const [, table] of html.matchAll(/<table\b[^>]*>([\s\S]*?)<\/table>/g)) {
    const caption = htmlText(/<caption\b[^>]*>([\s\S]*?)<\/caption>/.exec(table!)?.[1] ?? '');
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table!)?.[1] ?? '';
    expect(out.has(caption), `one table captioned "${caption}"`).toBe(false);
    out.set(
      caption,
      [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row]) =>
        [...row!.matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map(([, cell]) => htmlText(cell!)),
      ),
    );
  }
  return out;
}

/** A month's count as the statistics publish it under the default threshold of 5 (PROTOCOL.md §20.3). */
function published(count: number): number | string {
  return count === 0 ? 0 : count < 5 ? '<5' : count;
}

// Every CLI run starts a process and derives scrypt keys (PROTOCOL.md §3.4): the steps take seconds each.
describe('the brygga CLI against a real relay', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: RelayProcess;
  const adminToken = randomBytes(32).toString('base64url');
  const as = (u: Unit) => ({ BRYGGA_PASSPHRASE: PASS[u], BRYGGA_DEVICE: join(dir, `${u}-device`) });
  // The relay's token audience is its public URL, which differs from the loopback URL it listens on.
  const relayFlags = () => ['--relay', relay.url, '--audience', AUDIENCE];
  let caseId: string;
  let gbgCase: string;
  /** The last day of the consent attested again in the case answered on standard input. */
  let renewedUntil: string;
  /** Each unit's figures as it signed and sent them. */
  const signedFigures = {} as Record<Unit, UnitFigures>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-cli-'));
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

  it('sets up three units: root keys, an agreement signed by all, installed on the relay', () => {
    const rootKeys = {} as Record<Unit, string>;
    for (const u of UNITS) {
      const run = brygga(dir, ['unit', 'init', '--unit', u, '--out', `${u}-root.json`, '--json'], as(u));
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const out = run.json<{ rootKey: string; safetyNumber: string }>();
      expect(out.safetyNumber).toMatch(/^\d{5}( \d{5}){5}$/);
      rootKeys[u] = out.rootKey;
      // The key file is encrypted: neither the passphrase nor anything but the public key in plain text.
      const file = readFileSync(join(dir, `${u}-root.json`), 'utf8');
      expect(file).not.toContain(PASS[u]);
      expect(JSON.parse(file).public).toBe(out.rootKey);
    }
    writeJson(
      dir,
      'terms.json',
      agreementTerms(
        UNITS.map((u) => party(u, rootKeys[u])),
        {
          period: periodFromThisYear(),
          catalogue: [
            { code: 'krisstod', name: 'Krisstöd' },
            { code: 'kontaktperson', name: 'Kontaktperson' },
          ],
          admits: { categories: ['avhoppare'], threatLevels: ['low', 'high'] },
        },
      ),
    );
    expect(
      brygga(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']).status,
    ).toBe(0);

    // Not in force until every party signed; installing it now is refused.
    const early = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags()], {
      BRYGGA_ADMIN_TOKEN: adminToken,
    });
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/ERR_AGREEMENT_INVALID/);

    for (const u of UNITS) {
      const signed = brygga(dir, ['agreement', 'sign', 'agreement.json', '--key', `${u}-root.json`], as(u));
      expect(signed.stderr).toBe('');
      expect(signed.status).toBe(0);
    }
    const show = brygga(dir, ['agreement', 'show', 'agreement.json', '--json']);
    expect(show.status).toBe(0);
    const shown = show.json<{ complete: boolean; parties: { unit: string; signed: boolean }[] }>();
    expect(shown.complete).toBe(true);
    expect(shown.parties.map((p) => [p.unit, p.signed])).toEqual(UNITS.map((u) => [u, true]));

    const fp = brygga(dir, ['fingerprint', '--key', 'malmo-root.json', '--unit', 'malmo', '--json']);
    expect(fp.status).toBe(0);
    const fromAgreement = brygga(dir, ['fingerprint', '--agreement', 'agreement.json', '--json']);
    expect(fromAgreement.json<{ unit: string; safetyNumber: string }[]>()).toContainEqual(
      fp.json<{ unit: string; safetyNumber: string }[]>()[0],
    );

    const noToken = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags()]);
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toMatch(/BRYGGA_ADMIN_TOKEN is not set/);
    const install = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags(), '--json'], {
      BRYGGA_ADMIN_TOKEN: adminToken,
    });
    expect(install.stderr).toBe('');
    expect(install.json()).toMatchObject({ created: true, sequence: 1 });
  });

  it('enrols one device per unit; a wrong passphrase and an unknown unit are refused', () => {
    const wrong = brygga(
      dir,
      [
        'device',
        'enrol',
        '--unit-key',
        'malmo-root.json',
        '--agreement',
        'agreement.json',
        '--name',
        'x',
        ...relayFlags(),
      ],
      { ...as('malmo'), BRYGGA_PASSPHRASE: 'not the passphrase' },
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase.*\[ERR_WRONG_PASSPHRASE\]/);
    expect(wrong.stderr).toMatch(/What to do: check the passphrase/);
    expect(wrong.stderr).not.toContain('not the passphrase');
    expect(existsSync(join(dir, 'malmo-device', 'device.json'))).toBe(false);

    // A unit that is not a party: its own root key, valid, but not in the agreement.
    expect(
      brygga(dir, ['unit', 'init', '--unit', 'uppsala', '--out', 'uppsala-root.json'], as('malmo')).status,
    ).toBe(0);
    const unknown = brygga(
      dir,
      [
        'device',
        'enrol',
        '--unit-key',
        'uppsala-root.json',
        '--agreement',
        'agreement.json',
        '--name',
        'x',
        ...relayFlags(),
      ],
      { ...as('malmo'), BRYGGA_DEVICE: join(dir, 'uppsala-device') },
    );
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/not the key of a party to the agreement \[ERR_NOT_IN_AGREEMENT\]/);

    for (const u of UNITS) {
      const run = brygga(
        dir,
        [
          'device',
          'enrol',
          '--unit-key',
          `${u}-root.json`,
          '--agreement',
          'agreement.json',
          '--name',
          `${u} ärendesystem`,
          ...relayFlags(),
          '--json',
        ],
        as(u),
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.json()).toMatchObject({ unit: u, relayUrl: relay.url });
    }
  });

  it('refuses a malformed referral file with a clear message, and sends nothing', () => {
    writeFileSync(join(dir, 'broken.json'), '{"to": "malmo",');
    const notJson = brygga(dir, ['refer', '--file', 'broken.json'], as('stockholm-jarva'));
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/broken\.json is not valid JSON/);
    writeJson(dir, 'incomplete.json', { to: 'malmo', category: 'avhoppare' });
    const incomplete = brygga(dir, ['refer', '--file', 'incomplete.json'], as('stockholm-jarva'));
    expect(incomplete.status).toBe(1);
    expect(incomplete.stderr).toMatch(
      /the referral file is not valid: "threatLevel" is missing;.*\[ERR_MALFORMED\]/,
    );
    expect(incomplete.stderr).toMatch(/"consent" is missing/);
    const usageError = brygga(dir, ['refer'], as('stockholm-jarva'));
    expect(usageError.status).toBe(2);
    expect(usageError.stderr).toMatch(/--file is required/);
    const inbox = brygga(dir, ['inbox', '--json'], as('stockholm-jarva'));
    expect(inbox.json()).toMatchObject({ cases: [] });
  });

  it('walks a referral from Stockholm to Malmö to closure, with CLI commands only', () => {
    const referral = writeJson(dir, 'referral.json', referralBody('stockholm-jarva', 'malmo'));
    const sent = brygga(dir, ['refer', '--file', referral, '--json'], as('stockholm-jarva'));
    expect(sent.stderr).toBe('');
    expect(sent.json()).toMatchObject({ submitted: true });
    caseId = sent.json<{ caseId: string }>().caseId;

    const inbox = brygga(dir, ['inbox', '--json'], as('malmo'));
    expect(inbox.stderr).toBe('');
    expect(inbox.json<{ cases: unknown[] }>().cases).toEqual([
      { caseId, status: 'delivered', home: 'stockholm-jarva', receiving: 'malmo' },
    ]);

    // The relocation pre-check (PROTOCOL.md §14.6 (3)): an area or district, never an address.
    const relocation = (area: string) => ({
      area,
      notice: null,
      check: {
        result: 'cleared',
        reason: null,
        checkedBy: { name: 'Samordnare', role: 'avhopparsamordnare' },
        checkedOn: day(0),
      },
    });
    const contacts = [
      { unit: 'malmo', name: 'Samordnare', role: 'avhopparsamordnare', phone: null, email: null },
    ];
    const address = writeJson(dir, 'accept-address.json', {
      contacts,
      relocation: relocation('Storgatan 12'),
    });
    const refused = brygga(dir, ['accept', caseId, '--file', address], as('malmo'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      'uptake-decision.relocation.area must be an area or district, never an address',
    );
    // A special case's mark (PROTOCOL.md §14.6 (4)): Malmö's terms name no assessing body, so it is
    // recorded as given; an outcome outside the list is malformed.
    const special = (outcome: string) => ({
      body: 'Stadskontoret',
      assessment: {
        assessedBy: { name: 'Strateg', role: 'stadskontoret' },
        assessedOn: day(0),
        outcome,
        reference: 'SK-2025-7',
      },
    });
    const unsure = writeJson(dir, 'accept-unsure.json', {
      contacts,
      relocation: relocation('Rosengård'),
      special: special('unsure'),
    });
    const malformed = brygga(dir, ['accept', caseId, '--file', unsure], as('malmo'));
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('uptake-decision.special.assessment.outcome');
    const accept = writeJson(dir, 'accept.json', {
      contacts,
      relocation: relocation('Rosengård'),
      special: special('motivated'),
    });
    expect(brygga(dir, ['accept', caseId, '--file', accept, '--json'], as('malmo')).json()).toEqual({
      caseId,
      status: 'accepted',
    });
    const accepted = brygga(dir, ['case', 'show', caseId, '--json'], as('malmo')).json<{
      state: CaseState;
    }>();
    expect(accepted.state.relocation?.check).toEqual({
      result: 'cleared',
      checkedBy: { name: 'Samordnare', role: 'avhopparsamordnare' },
      checkedOn: day(0),
    });
    expect(accepted.state.special?.assessment).toEqual(special('motivated').assessment);
    const plan = writeJson(dir, 'plan.json', {
      decidedOn: day(0),
      services: [
        { code: 'krisstod', description: 'Krisstöd', from: day(3), to: day(60) },
        { code: 'kontaktperson', description: null, from: day(3), to: null },
      ],
      note: null,
      legalBasis: null,
    });
    expect(brygga(dir, ['plan', caseId, '--file', plan, '--json'], as('stockholm-jarva')).json()).toEqual({
      caseId,
      status: 'accepted',
    });
    const answer = writeJson(dir, 'answer.json', {
      decision: 'agree',
      decidedBy: { name: 'Samordnare Malmö', role: 'avhopparsamordnare' },
    });
    expect(brygga(dir, ['plan-response', caseId, '--file', answer, '--json'], as('malmo')).json()).toEqual({
      caseId,
      status: 'active',
    });
    const followUp = writeJson(dir, 'follow-up.json', {
      date: day(0),
      month: day(0).slice(0, 7),
      summary: 'Etablerad i boendet.',
      services: [{ code: 'krisstod', status: 'ongoing' }],
      outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'no', selfSufficient: 'unknown' },
      legalBasis: null,
    });
    expect(brygga(dir, ['follow-up', caseId, '--file', followUp], as('malmo')).status).toBe(0);
    const costs = writeJson(dir, 'costs.json', {
      lines: [{ service: 'krisstod', month: day(0).slice(0, 7), amountSek: 12_000 }],
    });
    expect(brygga(dir, ['costs', caseId, '--file', costs], as('malmo')).status).toBe(0);
    const closure = writeJson(dir, 'closure.json', {
      closedOn: day(0),
      reason: 'completed',
      outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'yes', selfSufficient: 'no' },
      note: null,
    });
    const closed = brygga(dir, ['close', caseId, '--file', closure, '--json'], as('stockholm-jarva'));
    expect(closed.stderr).toBe('');
    expect(closed.json()).toEqual({ caseId, status: 'closed' });

    expect(brygga(dir, ['inbox'], as('malmo')).status).toBe(0);
    const atMalmo = brygga(dir, ['case', 'show', caseId, '--json'], as('malmo'));
    const shown = atMalmo.json<{ status: string; log: { type: string }[]; state: { costs: unknown[] } }>();
    expect(shown.status).toBe('closed');
    expect(shown.log.map((e) => e.type)).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'follow-up',
      'cost-report',
      'closure',
    ]);
    // In words, every field of every packet: the referral as the receiving coordinator needs it.
    const text = brygga(dir, ['case', 'show', caseId], as('malmo')).stdout;
    for (const field of [
      'name: Anonym Avhoppare',
      'personal identity number: 19990101-1234',
      'reference: POL-2',
      'address: Skyddad adress',
      'document sha256: q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c',
      'summary: Etablerad i boendet.',
      'amount sek: 12000',
      'left group: yes',
    ]) {
      expect(text).toContain(field);
    }
  });

  it('exports the evidence and verifies it offline; a tampered bundle fails', () => {
    const exported = brygga(dir, ['evidence', 'export', caseId], as('stockholm-jarva'));
    expect(exported.status).toBe(0);
    writeFileSync(join(dir, 'bundle.json'), exported.stdout);
    // To a file: readable by its owner only, and the CLI says it holds personal data.
    const toFile = brygga(
      dir,
      ['evidence', 'export', caseId, '--out', 'bundle-file.json'],
      as('stockholm-jarva'),
    );
    expect(toFile.status).toBe(0);
    expect(statSync(join(dir, 'bundle-file.json')).mode & 0o777).toBe(0o600);
    // The same bundle but for its manifest, which is signed at each export (its `iat`), and as valid.
    const { manifest: fileManifest, ...fromFile } = JSON.parse(
      readFileSync(join(dir, 'bundle-file.json'), 'utf8'),
    ) as Record<string, unknown>;
    const { manifest: _, ...fromStdout } = JSON.parse(exported.stdout) as Record<string, unknown>;
    expect(fromFile).toEqual(fromStdout);
    expect(fileManifest).toEqual(expect.any(String));
    const fileVerified = brygga(dir, [
      'evidence',
      'verify',
      'bundle-file.json',
      '--agreement',
      'agreement.json',
    ]);
    expect(fileVerified.stderr).toBe('');
    expect(fileVerified.status).toBe(0);
    expect(toFile.stderr).toBe(
      'bundle-file.json holds personal data and is readable by you only (mode 600). Keep it on an encrypted disk, and delete it once it is no longer needed.\n',
    );
    const again = brygga(
      dir,
      ['evidence', 'export', caseId, '--out', 'bundle-file.json'],
      as('stockholm-jarva'),
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/bundle-file\.json already exists/);
    const verified = brygga(dir, [
      'evidence',
      'verify',
      'bundle.json',
      '--agreement',
      'agreement.json',
      '--json',
    ]);
    expect(verified.stderr).toBe('');
    expect(verified.json()).toMatchObject({
      valid: true,
      caseId,
      home: 'stockholm-jarva',
      receiving: 'malmo',
    });

    const bundle = JSON.parse(exported.stdout) as Record<string, unknown>;
    writeJson(dir, 'tampered.json', { ...bundle, caseId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const tampered = brygga(dir, ['evidence', 'verify', 'tampered.json', '--agreement', 'agreement.json']);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toBe('');
    expect(tampered.stderr).toMatch(/\[ERR_/);
  });

  it('Göteborg refers to Stockholm; consent is withdrawn, and Stockholm declines', () => {
    writeJson(dir, 'gbg-referral.json', referralBody('goteborg-nordost', 'stockholm-jarva'));
    const sent = brygga(dir, ['refer', '--file', 'gbg-referral.json', '--json'], as('goteborg-nordost'));
    expect(sent.stderr).toBe('');
    gbgCase = sent.json<{ caseId: string }>().caseId;
    expect(brygga(dir, ['inbox'], as('stockholm-jarva')).stdout).toMatch(
      new RegExp(`${gbgCase} +delivered +goteborg-nordost → stockholm-jarva`),
    );
    writeJson(dir, 'withdrawal.json', { withdrawnOn: day(0), form: 'written', note: null });
    const withdrawn = brygga(
      dir,
      ['consent', 'withdraw', gbgCase, '--file', 'withdrawal.json', '--json'],
      as('goteborg-nordost'),
    );
    expect(withdrawn.stderr).toBe('');
    expect(withdrawn.status).toBe(0);

    const badReason = brygga(dir, ['decline', gbgCase, '--reason', 'tired'], as('stockholm-jarva'));
    expect(badReason.status).toBe(2);
    expect(badReason.stderr).toMatch(/--reason tired is not a decline reason/);
    const declined = brygga(
      dir,
      ['decline', gbgCase, '--reason', 'no-capacity', '--json'],
      as('stockholm-jarva'),
    );
    expect(declined.stderr).toBe('');
    expect(declined.json()).toEqual({ caseId: gbgCase, status: 'declined' });
    // `case show` reads the local store; `inbox` fetches the decline first.
    expect(brygga(dir, ['inbox'], as('goteborg-nordost')).status).toBe(0);
    const atHome = brygga(dir, ['case', 'show', gbgCase, '--json'], as('goteborg-nordost'));
    expect(atHome.json<{ status: string; state: { consents: { withdrawnIn: unknown }[] } }>()).toMatchObject({
      status: 'declined',
    });
    expect(
      atHome
        .json<{ state: { consents: { withdrawnIn: unknown }[] } }>()
        .state.consents.every((c) => c.withdrawnIn !== null),
    ).toBe(true);
  });

  it('Göteborg signs its figures for the agreement period and sends them to every party', () => {
    const sent = brygga(dir, ['report', 'figures', '--send', '--json'], as('goteborg-nordost'));
    expect(sent.stderr).toBe('');
    const { figures, submitted } = sent.json<{ figures: UnitFigures; submitted: boolean }>();
    expect(submitted).toBe(true);
    const period = periodFromThisYear();
    expect(figures).toMatchObject({
      unit: 'goteborg-nordost',
      municipality: 'goteborg',
      reconciliations: [],
    });
    expect(figures.statistics.period).toMatchObject({ from: period.from, to: period.to });
    // Its one referral was declined: nothing handed over or taken in under the agreement.
    expect(figures.quota).toEqual({ handedOver: 0, received: 0 });
    signedFigures['goteborg-nordost'] = figures;

    // The others fetch them now: a packet from a device revoked by the time it is opened is refused
    // (PROTOCOL.md §7.5 step 3), and Göteborg's device is revoked next. Stockholm's report, written as it
    // stands, says whose figures are missing.
    const draft = brygga(
      dir,
      ['report', 'evaluation', '--out', 'draft.html', '--json'],
      as('stockholm-jarva'),
    );
    expect(draft.stderr).toBe('');
    expect(draft.status).toBe(0);
    expect(draft.json()).toMatchObject({
      out: 'draft.html',
      complete: false,
      missing: ['stockholm-jarva', 'malmo'],
      refused: [],
    });
    expect(draft.json<{ signatures: { unit: string }[] }>().signatures.map((s) => s.unit)).toEqual([
      'goteborg-nordost',
    ]);
    const text = htmlText(readFileSync(join(dir, 'draft.html'), 'utf8'));
    expect(text).toContain('Rapporten är inte komplett än.');
    expect(text).toContain('Siffror saknas från: Järva stadsdelsförvaltning, Konsultationsteamet.');
    expect(brygga(dir, ['inbox'], as('malmo')).status).toBe(0);
  });

  it('rotates an HPKE key, revokes a device, and the revoked device is refused', () => {
    const rotated = brygga(dir, ['device', 'rotate-key', '--json'], as('goteborg-nordost'));
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    const device = JSON.parse(readFileSync(join(dir, 'goteborg-nordost-device', 'device.json'), 'utf8')) as {
      device: string;
    };
    const revoked = brygga(
      dir,
      [
        'device',
        'revoke',
        '--unit',
        'goteborg-nordost',
        '--unit-key',
        'goteborg-nordost-root.json',
        '--reason',
        'stulen dator',
        ...relayFlags(),
        // A device key id may begin with '-' (one in 32): after '--' it is never read as an option.
        '--',
        device.device,
      ],
      as('goteborg-nordost'),
    );
    expect(revoked.stderr).toBe('');
    expect(revoked.status).toBe(0);
    const refused = brygga(dir, ['inbox'], as('goteborg-nordost'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/revoked/i);
  });

  // Answers to `brygga refer`'s questions, one a line, in the order they are asked; two are refused and
  // answered again (a category the agreement does not admit, a date that is not in the calendar).
  function referralAnswers(confirm: string): string {
    return [
      'malmo',
      'gang',
      'avhoppare',
      'high',
      'Anonym Avhoppare Två',
      '',
      '1999-02-30',
      '1999-02-28',
      'krisstod',
      day(-5),
      'Polis Ett',
      'avhopparsamordnare',
      'POL-3',
      'Inga invändningar.',
      day(-4),
      'Polis Två',
      'avhopparsamordnare',
      'POL-4',
      'Inga invändningar.',
      day(-5),
      'Polis Ett',
      'avhopparsamordnare',
      'POL-3',
      'y',
      day(-4),
      'Polis Två',
      'avhopparsamordnare',
      'POL-4',
      'y',
      'y',
      'concrete',
      'y',
      'n',
      day(-6),
      'Handläggare Hem',
      'socialsekreterare',
      'Motiverad att lämna gruppen.',
      'n',
      day(-6),
      'y',
      day(2),
      '',
      'Handläggare',
      'socialsekreterare',
      '',
      'handlaggare@jarva.example.se',
      '',
      'oral',
      day(-1),
      'Vittne Vittnesson',
      'socialsekreterare',
      'Journalanteckning, samtal på kontoret',
      day(-1),
      day(200),
      '',
      confirm,
      '',
    ].join('\n');
  }
  let askedCase: string;

  it('refers by answers on standard input, asking again where the rules refuse an answer', () => {
    const refer = (input: string) => brygga(dir, ['refer', '--json'], as('stockholm-jarva'), { input });
    const sent = refer(referralAnswers('y'));
    expect(sent.status).toBe(0);
    expect(sent.json()).toMatchObject({ submitted: true });
    askedCase = sent.json<{ caseId: string }>().caseId;
    expect(sent.stderr).toMatch(/Not accepted \(category\): must be one of avhoppare\. Answer again/);
    expect(sent.stderr).toMatch(/Not accepted \(date of birth\): must be a calendar date, YYYY-MM-DD/);
    expect(sent.stderr).toMatch(/ {2}police malmo: approved: +yes\n/);
    expect(sent.stderr).toMatch(/Sign and send this referral to malmo\? \(y\/N\)/);

    const declined = refer(referralAnswers('n'));
    expect(declined.status).toBe(1);
    expect(declined.stdout).toMatch(/"ERR_NOT_CONFIRMED"/);
    expect(declined.stderr).toMatch(/the referral was not sent \[ERR_NOT_CONFIRMED\]/);
    // A written consent's form is answered by its file: the hash of the file is what the summary shows.
    writeFileSync(join(dir, 'consent-form.pdf'), 'undertecknat samtycke');
    const formHash = brygga(dir, ['consent', 'hash', 'consent-form.pdf']).stdout.trim();
    const oral = referralAnswers('n').split('\n');
    const at = oral.indexOf('oral');
    oral.splice(at, 5, 'written', 'no-such-form.pdf', 'consent-form.pdf', day(-1));
    const written = refer(oral.join('\n'));
    expect(written.stderr).toMatch(
      /Not accepted \(signed form SHA-256\): must be the path of the signed form/,
    );
    expect(written.stderr).toContain(formHash);
    expect(written.stdout).toMatch(/"ERR_NOT_CONFIRMED"/);
    const cut = refer(referralAnswers('y').split('\n').slice(0, 5).join('\n'));
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/standard input ended after 5 answers, .*\[ERR_NO_ANSWER\]/);

    const inbox = brygga(dir, ['inbox', '--json'], as('malmo'));
    expect(inbox.stderr).toBe('');
    // One more case at Malmö: the confirmed one, not the declined or the cut one.
    expect(inbox.json<{ cases: { caseId: string }[] }>().cases.map((c) => c.caseId)).toEqual(
      expect.arrayContaining([caseId, askedCase]),
    );
    expect(inbox.json<{ cases: unknown[] }>().cases).toHaveLength(2);
  });

  it('writes the printable consent form, readable by its owner only, and gives its SHA-256', () => {
    const written = brygga(
      dir,
      [
        'consent',
        'form',
        '--to',
        'malmo',
        '--name',
        'Anonym Avhoppare',
        '--valid-from',
        day(0),
        '--out',
        'samtycke.txt',
        '--json',
      ],
      as('stockholm-jarva'),
    );
    expect(written.status).toBe(0);
    const path = join(dir, 'samtycke.txt');
    const bytes = readFileSync(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(written.stderr).toBe(
      'samtycke.txt holds personal data and is readable by you only (mode 600). Keep it on an encrypted disk, and delete it once it is no longer needed.\n',
    );
    expect(bytes.toString('utf8')).toMatch(/^SAMTYCKE\n/);
    expect(bytes.toString('utf8')).toContain('Jag, Anonym Avhoppare, samtycker');
    expect(written.json()).toEqual({
      path: 'samtycke.txt',
      documentSha256: createHash('sha256').update(bytes).digest('base64url'),
      personalData: true,
    });
    const text = brygga(
      dir,
      ['consent', 'form', '--to', 'malmo', '--name', 'X', '--valid-from', day(0), '--out', 'samtycke.txt'],
      as('stockholm-jarva'),
    );
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/already exists/);
  });

  it('attests a consent again after a withdrawal; a malformed consent file is refused', () => {
    writeJson(dir, 'bad-consent.json', { form: 'oral', validUtil: day(300) });
    const bad = brygga(
      dir,
      ['consent', 'attest', askedCase, '--file', 'bad-consent.json'],
      as('stockholm-jarva'),
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /the consent file is not valid: "validFrom" is missing; "validUtil" is not a known field; "oral" is missing \[ERR_MALFORMED\]/,
    );
    writeJson(dir, 'withdrawal-2.json', { withdrawnOn: day(0), form: 'oral', note: null });
    expect(
      brygga(dir, ['consent', 'withdraw', askedCase, '--file', 'withdrawal-2.json'], as('stockholm-jarva'))
        .status,
    ).toBe(0);
    // It runs out within the agreement's 30 days' warning: `brygga due` shows it (below).
    renewedUntil = day(20);
    writeJson(dir, 'renewed-consent.json', {
      form: 'written',
      written: { documentSha256: 'z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4p3o2i1u0y9t', signedOn: day(0) },
      validFrom: day(0),
      validUntil: renewedUntil,
    });
    const attested = brygga(
      dir,
      ['consent', 'attest', askedCase, '--file', 'renewed-consent.json', '--json'],
      as('stockholm-jarva'),
    );
    expect(attested.stderr).toBe('');
    expect(attested.json()).toEqual({ caseId: askedCase, status: 'delivered' });
    const shown = brygga(dir, ['case', 'show', askedCase, '--json'], as('stockholm-jarva')).json<{
      state: { consents: { form: string; withdrawnIn: unknown }[] };
      log: { type: string }[];
    }>();
    expect(shown.state.consents.map((c) => [c.form, c.withdrawnIn === null])).toEqual([
      ['oral', false],
      ['written', true],
    ]);
    expect(shown.log.map((e) => e.type)).toEqual(['referral', 'consent-withdrawal', 'consent']);
  });

  it('reconciles the half-year: Stockholm proposes, Malmö countersigns, both ends agree', () => {
    const now = new Date();
    const label = `${now.getUTCFullYear()}-H${now.getUTCMonth() < 6 ? 1 : 2}`;
    const badLabel = brygga(
      dir,
      ['reconcile', '--with', 'malmo', '--label', '2025-H3'],
      as('stockholm-jarva'),
    );
    expect(badLabel.status).toBe(2);
    expect(badLabel.stderr).toMatch(/--label 2025-H3 is not a reconciliation period/);
    const stranger = brygga(dir, ['reconcile', '--with', 'uppsala', '--label', label], as('stockholm-jarva'));
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toMatch(/\[ERR_NOT_IN_AGREEMENT\]/);

    const figures = {
      label,
      units: [
        { unit: 'malmo', municipality: 'malmo' },
        { unit: 'stockholm-jarva', municipality: 'stockholm' },
      ],
      lines: 1,
      paid: [
        { municipality: 'malmo', amountSek: 12_000 },
        { municipality: 'stockholm', amountSek: 0 },
      ],
      settlement: { from: 'stockholm', to: 'malmo', amountSek: 6_000 },
    };
    const proposed = brygga(
      dir,
      ['reconcile', '--with', 'malmo', '--label', label, '--json'],
      as('stockholm-jarva'),
    );
    expect(proposed.stderr).toBe('');
    expect(proposed.json()).toMatchObject({
      ...figures,
      complete: false,
      signedBy: ['stockholm-jarva'],
      awaiting: ['malmo'],
      submitted: true,
    });
    const countersigned = brygga(
      dir,
      ['reconcile', '--with', 'stockholm-jarva', '--label', label],
      as('malmo'),
    );
    expect(countersigned.stderr).toBe('');
    expect(countersigned.stdout).toMatch(/^Countersigned the reconciliation with stockholm-jarva\./);
    expect(countersigned.stdout).toMatch(/complete, signed by both/);
    expect(countersigned.stdout).toMatch(/Settlement: stockholm pays malmo 6000 SEK\./);

    // Stockholm fetches the countersignature; reconciling again sends nothing.
    const again = brygga(dir, ['reconcile', '--with', 'malmo', '--label', label], as('stockholm-jarva'));
    expect(again.stdout).toMatch(/^Already agreed with malmo; nothing sent\./);
    const atStockholm = brygga(dir, ['reconciliation', 'show', '--json'], as('stockholm-jarva'));
    const atMalmo = brygga(dir, ['reconciliation', 'show', '--json'], as('malmo'));
    expect(atStockholm.stderr).toBe('');
    const held = atStockholm.json<{ reconciliations: { id: string }[] }>().reconciliations;
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ ...figures, complete: true, awaiting: [] });
    expect(atMalmo.json()).toEqual(atStockholm.json());
  });

  it("audits the relay's log: the checkpoint and its witnesses, every entry, a unit's key history", () => {
    // Malmö's sync cosigns the newest checkpoint as a witness, and sends nothing that would make a newer one.
    expect(brygga(dir, ['inbox'], as('malmo')).status).toBe(0);
    const checkpoint = brygga(dir, ['log', 'checkpoint', '--json'], as('stockholm-jarva'));
    expect(checkpoint.stderr).toBe('');
    const cp = checkpoint.json<{
      origin: string;
      size: number;
      root: string;
      keySource: string;
      safetyNumber: string;
      witnesses: { unit: string; valid: boolean }[];
    }>();
    expect(cp.keySource).toBe('pinned');
    expect(cp.safetyNumber).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(cp.witnesses).toContainEqual(expect.objectContaining({ unit: 'malmo', valid: true }));
    expect(cp.witnesses.every((w) => w.valid)).toBe(true);

    const verified = brygga(dir, ['log', 'verify', '--json'], as('stockholm-jarva'));
    expect(verified.stderr).toBe('');
    const v = verified.json<{
      valid: boolean;
      size: number;
      root: string;
      entries: Record<string, number>;
    }>();
    expect(v.valid).toBe(true);
    expect(v.size).toBeGreaterThanOrEqual(cp.size);
    if (v.size === cp.size) expect(v.root).toBe(cp.root);
    // One agreement; three enrolments with their HPKE keys, one rotation, one revocation; the packets.
    expect(v.entries).toMatchObject({ agreement: 1, statement: 8 });
    expect(v.entries.envelope).toBeGreaterThan(20);

    const gbgDevice = (
      JSON.parse(readFileSync(join(dir, 'goteborg-nordost-device', 'device.json'), 'utf8')) as {
        device: string;
      }
    ).device;
    const keys = brygga(dir, ['log', 'keys', 'goteborg-nordost', '--json'], as('stockholm-jarva'));
    expect(keys.stderr).toBe('');
    const history = keys.json<{
      history: { index: number; event: string; device: string; safetyNumber?: string }[];
    }>().history;
    expect(history.map((h) => [h.event, h.device])).toEqual([
      ['enrolment', gbgDevice],
      ['publication', gbgDevice],
      ['rotation', gbgDevice],
      ['revocation', gbgDevice],
    ]);
    expect(history.map((h) => h.index)).toEqual([...history.map((h) => h.index)].sort((a, b) => a - b));
    expect(history[0]!.safetyNumber).toMatch(/^\d{5}( \d{5}){5}$/);

    // A key that is not the log's: the checkpoint's signature does not verify.
    const stranger = verifierKey(cp.origin, SigningKeyPair.generate().publicKey.bytes);
    const wrongKey = brygga(dir, ['log', 'checkpoint', '--log-key', stranger], as('stockholm-jarva'));
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(
      /\[ERR_LOG_BAD_SIGNATURE\]\n {2}What to do: the checkpoint is not signed by the log key/,
    );

    // An honest relay all along: no device kept evidence against it (a check against a key given on the
    // command line leaves the device's own record alone).
    for (const unit of ['stockholm-jarva', 'malmo'] as const) {
      const evidence = brygga(dir, ['log', 'evidence'], as(unit));
      expect(evidence.status).toBe(0);
      expect(JSON.parse(evidence.stdout)).toEqual([]);
    }
  });

  it('finds a log the relay altered: a changed envelope hash, a forged statement, a broken stream', async () => {
    const b64u = (bytes: Buffer) => bytes.toString('base64url');
    let changed = -1;
    const proxy = await tamperingProxy(relay.url, (e) => {
      if (changed !== -1 || e.kind !== 'envelope') return;
      const hash = Buffer.from(e.hash as string, 'base64url');
      hash[0]! ^= 1;
      e.hash = b64u(hash);
      changed = e.index as number;
    });
    try {
      const run = await bryggaAsync(
        dir,
        ['log', 'verify', '--relay', proxy.url, '--json'],
        as('stockholm-jarva'),
      );
      expect(run.status).toBe(1);
      expect(run.json()).toMatchObject({ error: { code: 'ERR_LOG_DISCREPANCY', exitCode: 1 } });
      expect(run.stderr).toMatch(
        /the log does not match its checkpoint: its \d+ entries make the root .*, but the signed root is/,
      );
      expect(changed).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }

    // A statement whose signature was altered, logged under its own hash: caught at its entry.
    let forged = -1;
    const forger = await tamperingProxy(relay.url, (e) => {
      if (forged !== -1 || e.kind !== 'statement') return;
      const [h, p, sig] = (e.jws as string).split('.') as [string, string, string];
      const bad = Buffer.from(sig, 'base64url');
      bad[0]! ^= 1;
      e.jws = `${h}.${p}.${b64u(bad)}`;
      e.hash = b64u(
        createHash('sha256')
          .update(e.jws as string)
          .digest(),
      );
      forged = e.index as number;
    });
    try {
      const run = await bryggaAsync(dir, ['log', 'verify', '--relay', forger.url], as('stockholm-jarva'));
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        new RegExp(
          `log entry ${forged} \\(statement\\): the statement does not verify against the agreement: .*\\[ERR_LOG_DISCREPANCY\\]`,
        ),
      );
    } finally {
      await forger.close();
    }

    // An entry stream that breaks its own format: the last record's kind is none of the three.
    const breaker = await tamperingProxy(relay.url, () => {}, {
      stream: (body) => {
        const broken = Buffer.from(body);
        broken[broken.length - 33] = 0x07;
        return broken;
      },
    });
    try {
      const run = await bryggaAsync(dir, ['log', 'verify', '--relay', breaker.url], as('stockholm-jarva'));
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/the relay served a malformed entry stream: .*\[ERR_LOG_DISCREPANCY\]/);
    } finally {
      await breaker.close();
    }
  });

  it('records a deviation; the deviation register, the month’s statistics and what is due', () => {
    const deviation = {
      date: day(0),
      reason: 'safety',
      rule: 'police-consultation',
      guideline: 'Samråd med polisen före placering',
      description: 'Placerad samma natt efter hot mot en anhörig; samrådet hölls dagen efter.',
      decidedBy: { name: 'Eva Enhetschef', role: 'enhetschef' },
    };
    writeJson(dir, 'deviation.json', deviation);
    const recorded = brygga(
      dir,
      ['deviation', askedCase, '--file', 'deviation.json', '--json'],
      as('stockholm-jarva'),
    );
    expect(recorded.stderr).toBe('');
    expect(recorded.json()).toEqual({ caseId: askedCase, status: 'delivered', number: 1 });

    // The register for the oversight body: the deviation without its case or its description.
    const register = brygga(
      dir,
      ['report', 'deviations', '--format', 'csv', '--out', 'deviations.csv'],
      as('stockholm-jarva'),
    );
    expect(register.stderr).toBe('');
    expect(register.stdout).toBe(
      'Wrote the deviation register of stockholm-jarva to deviations.csv (csv).\n',
    );
    expect(readFileSync(join(dir, 'deviations.csv'), 'utf8')).toBe(
      'number,date,rule,guideline,reason,decided_by,role\r\n' +
        `1,${deviation.date},police-consultation,Samråd med polisen före placering,safety,Eva Enhetschef,enhetschef\r\n`,
    );
    // As text: the rule by its id, then its words.
    const shown = brygga(dir, ['report', 'deviations'], as('stockholm-jarva'));
    expect(shown.stdout).toContain(
      `  1  ${deviation.date}  safety               police-consultation: Samråd med polisen före placering  (decided by Eva Enhetschef, enhetschef)`,
    );

    // The renewed consent of that case runs out within the 30 days' warning (PROTOCOL.md §22).
    const due = brygga(dir, ['due', '--json'], as('stockholm-jarva'));
    expect(due.stderr).toBe('');
    expect(due.json<{ due: unknown[] }>().due).toContainEqual(
      expect.objectContaining({
        kind: 'consent-expiry',
        caseId: askedCase,
        counterpart: 'malmo',
        dueOn: renewedUntil,
        actor: 'us',
        overdue: false,
      }),
    );

    // The month of the deviation, as CSV and as JSON, against what the cases Stockholm holds say.
    const month = deviation.date.slice(0, 7);
    const held = [caseId, gbgCase, askedCase].map(
      (id) =>
        brygga(dir, ['case', 'show', id, '--json'], as('stockholm-jarva')).json<{
          state: {
            home: string;
            homeMunicipality: string;
            receivingMunicipality: string;
            referredAt: number;
            decision: { decision: string; reason: string | null; at: number } | null;
            closure: { closedOn: string; reason: string } | null;
            costs: { service: string; month: string }[];
            deviationLog: { unit: string; on: string; reason: string }[];
          };
        }>().state,
    );
    const monthOf = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 7);
    const counts = new Map<string, Map<string, number>>();
    const count = (table: string, row: string) => {
      const rows = counts.get(table) ?? new Map<string, number>();
      rows.set(row, (rows.get(row) ?? 0) + 1);
      counts.set(table, rows);
    };
    for (const c of held) {
      const sent = c.home === 'stockholm-jarva';
      if (monthOf(c.referredAt) === month) {
        if (sent) count('referrals-sent', c.receivingMunicipality);
        else count('referrals-received', c.homeMunicipality);
      }
      if (c.decision && monthOf(c.decision.at) === month) {
        const row = c.decision.decision === 'accept' ? 'accepted' : `declined-${c.decision.reason}`;
        count(sent ? 'decisions-on-sent' : 'decisions-on-received', row);
      }
      if (c.closure?.closedOn.startsWith(month)) count('closures', c.closure.reason);
      for (const d of c.deviationLog)
        if (d.unit === 'stockholm-jarva' && d.on.startsWith(month)) count('deviations', d.reason);
    }
    // Malmö's krisstöd for Stockholm's case: one case's amount, hidden with its total.
    const costInMonth = held.some(
      (c) =>
        c.home === 'stockholm-jarva' && c.costs.some((l) => l.month === month && l.service === 'krisstod'),
    );

    const asJson = brygga(dir, ['report', 'statistics', '--month', month, '--json'], as('stockholm-jarva'));
    expect(asJson.stderr).toBe('');
    const stats = asJson.json<StatisticsReport>();
    expect(stats).toMatchObject({
      kind: 'brygga.statistics',
      unit: 'stockholm-jarva',
      municipality: 'stockholm',
      period: { label: month },
      threshold: 5,
    });
    const table = (id: string) => stats.tables.find((t) => t.id === id)!;
    for (const [id, rows] of counts) {
      const t = table(id);
      expect(
        t.rows.map((r) => r.key),
        id,
      ).toEqual(expect.arrayContaining([...rows.keys()]));
      for (const r of t.rows) expect(r.value, `${id} ${r.key}`).toBe(published(rows.get(r.key) ?? 0));
      expect(t.total, `${id} total`).toBe(published([...rows.values()].reduce((a, b) => a + b, 0)));
    }
    expect(table('deviations').rows).toContainEqual({ key: 'safety', value: '<5' });
    expect(table('referrals-sent').rows).toContainEqual({ key: 'goteborg', value: 0 });
    const krisstod = table('costs-of-our-cases');
    expect(krisstod.rows.find((r) => r.key === 'krisstod')!.value).toBe(costInMonth ? 'x' : 0);
    expect(krisstod.total).toBe(costInMonth ? 'x' : 0);
    // Nothing in it names a case, a person or a day.
    for (const text of [caseId, gbgCase, askedCase, 'Anonym', 'Samråd', 'Eva']) {
      expect(asJson.stdout).not.toContain(text);
    }

    const asCsv = brygga(
      dir,
      ['report', 'statistics', '--month', month, '--format', 'csv'],
      as('stockholm-jarva'),
    );
    expect(asCsv.stderr).toBe('');
    const lines = asCsv.stdout.split('\r\n');
    expect(lines[0]).toBe('unit,period,table,row,value');
    expect(lines.at(-1)).toBe('');
    // The same figures, one a line.
    expect(lines.slice(1, -1)).toEqual(
      stats.tables.flatMap((t) => [
        ...t.rows.map((r) => `stockholm-jarva,${month},${t.id},${r.key},${r.value}`),
        ...(t.total === null ? [] : [`stockholm-jarva,${month},${t.id},total,${t.total}`]),
      ]),
    );
    expect(lines).toContain(`stockholm-jarva,${month},deviations,safety,<5`);
  });

  it('Malmö sends an urgent child notice; Stockholm is reminded, and answers it settling the responsibility', () => {
    writeJson(dir, 'child-notice.json', {
      date: day(0),
      description: 'Personen har ett barn som bor hos personen under vistelsen.',
      proposedResponsibility: 'home',
    });
    const sent = brygga(
      dir,
      ['child-notice', askedCase, '--file', 'child-notice.json', '--json'],
      as('malmo'),
    );
    expect(sent.stderr).toBe('');
    const { notice } = sent.json<{ notice: string }>();
    expect(sent.json()).toEqual({ caseId: askedCase, status: 'delivered', notice });
    brygga(dir, ['inbox'], as('stockholm-jarva'));
    const due = brygga(dir, ['due', '--json'], as('stockholm-jarva'));
    expect(due.json<{ due: unknown[] }>().due).toContainEqual(
      expect.objectContaining({ kind: 'child-notice', caseId: askedCase, counterpart: 'malmo', actor: 'us' }),
    );
    // An answer that leaves the responsibility to be decided settles nothing: refused, with what to do.
    const answer = {
      date: day(0),
      description: 'Hemkommunen utreder barnets situation enligt SoL.',
      proposedResponsibility: 'home',
      settlement: [
        {
          municipality: 'stockholm',
          responsibility: 'Utredning och insatser för barnet enligt SoL',
          responsible: { name: 'Eva Enhetschef', role: 'enhetschef' },
          from: day(0),
        },
      ],
    };
    writeJson(dir, 'unsettled.json', { ...answer, proposedResponsibility: 'to-be-decided' });
    const unsettled = brygga(
      dir,
      ['child-notice', 'answer', askedCase, '--notice', notice, '--file', 'unsettled.json'],
      as('stockholm-jarva'),
    );
    expect(unsettled.status).toBe(1);
    expect(unsettled.stderr).toMatch(/ERR_CHILD_NOTICE_UNSETTLED|leaves the responsibility to be decided/);
    expect(unsettled.stderr).toContain('which municipality of the case takes which responsibility');
    writeJson(dir, 'answer.json', answer);
    const answered = brygga(
      dir,
      ['child-notice', 'answer', askedCase, '--notice', notice, '--file', 'answer.json', '--json'],
      as('stockholm-jarva'),
    );
    expect(answered.stderr).toBe('');
    expect(answered.json()).toEqual({ caseId: askedCase, status: 'delivered', answered: notice });
    for (const unit of ['stockholm-jarva', 'malmo'] as const) {
      brygga(dir, ['inbox'], as(unit));
      const after = brygga(dir, ['due', '--json'], as(unit)).json<{ due: { kind: string }[] }>().due;
      expect(after.filter((r) => r.kind === 'child-notice')).toEqual([]);
    }
  });

  it('every unit sends its figures; the joint evaluation report holds them all; nothing to purge yet', () => {
    const unsigned = brygga(dir, ['report', 'figures'], as('malmo'));
    expect(unsigned.stderr).toBe('');
    expect(unsigned.stdout).toMatch(/cases handed over 0, taken in 1; 1 agreed reconciliation\./);
    expect(unsigned.stdout).toMatch(/Not signed: give --send/);
    for (const u of ['malmo', 'stockholm-jarva'] as const) {
      const sent = brygga(dir, ['report', 'figures', '--send', '--json'], as(u));
      expect(sent.stderr).toBe('');
      expect(sent.json()).toMatchObject({ submitted: true });
      signedFigures[u] = sent.json<{ figures: UnitFigures }>().figures;
    }
    expect(signedFigures.malmo.quota).toEqual({ handedOver: 0, received: 1 });
    expect(signedFigures['stockholm-jarva'].quota).toEqual({ handedOver: 1, received: 0 });

    const written = brygga(dir, ['report', 'evaluation', '--out', 'report.html'], as('stockholm-jarva'));
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    expect(written.stdout).toBe(
      [
        'Wrote the joint evaluation report to report.html.',
        'Complete: the figures of stockholm-jarva, goteborg-nordost, malmo, every signature verified.',
        '  stockholm: handed over 1, taken in 0 (quota 2/2)',
        '  goteborg: handed over 0, taken in 0 (quota 2/2)',
        '  malmo: handed over 0, taken in 1 (quota 2/2)',
        '',
      ].join('\n'),
    );

    // The file as a reader sees it: every figure of every unit, and their sum, in its tables.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const text = htmlText(html);
    const tables = htmlTables(html);
    const texts = textsFor('sv');
    const e = texts.t.reports.evaluation;
    const terms = JSON.parse(readFileSync(join(dir, 'terms.json'), 'utf8')) as Parameters<typeof namesOf>[0];
    const names = namesOf(terms);
    const squeeze = (t: string) => t.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
    expect(text).toContain('Gemensam utvärderingsrapport');
    expect(text).toContain(e.complete);
    expect(tables.get(e.quotaCaption)).toEqual([
      ['Stockholms stad', '2 / 2', '1', '0', '+1'],
      ['Göteborgs stad', '2 / 2', '0', '0', '0'],
      ['Malmö stad', '2 / 2', '0', '1', squeeze(texts.number(-1))],
    ]);
    expect(text).toContain(
      squeeze(texts.t.reconciliation.settlementText('Stockholms stad', 'Malmö stad', texts.amount(6_000))),
    );
    const units = UNITS.map((u) => signedFigures[u].statistics);
    let rows = 0;
    for (const id of units[0]!.tables.map((t) => t.id)) {
      const ofUnits = units.map((s) => s.tables.find((t) => t.id === id)!);
      const kind = ofUnits[0]!.kind;
      const shown = (f: number | string | null | undefined) =>
        f === undefined || f === null ? '–' : squeeze(figureText(texts, kind, f));
      const sum = (pick: (t: (typeof ofUnits)[number]) => number | string | null | undefined) =>
        shown(
          kind === 'median'
            ? 'x'
            : combineFigures(
                ofUnits.map((t) => pick(t) ?? 0),
                5,
              ),
        );
      // Both units of a case count its closure, outcomes and services: those have no sum, nor has the
      // total of active cases (PROTOCOL.md §21.3).
      const bothEnds = id === 'closures' || id === 'services' || id.startsWith('outcome-');
      const keys = [...new Set(ofUnits.flatMap((t) => t.rows.map((r) => r.key)))];
      const expected = keys.map((key) => [
        squeeze(rowLabel(texts, names, id, key)),
        ...ofUnits.map((t) => shown(t.rows.find((r) => r.key === key)?.value)),
        bothEnds ? '–' : sum((t) => t.rows.find((r) => r.key === key)?.value),
      ]);
      if (ofUnits.some((t) => t.total !== null)) {
        expected.push([
          texts.t.reports.total,
          ...ofUnits.map((t) => shown(t.total)),
          bothEnds || id === 'active' ? '–' : sum((t) => t.total),
        ]);
      }
      expect(tables.get(texts.t.reports.tables[id]!), id).toEqual(expected);
      rows += expected.length;
    }
    expect(rows).toBeGreaterThan(50);
    // Stockholm's deviation: "<5" in its column and in the sum.
    expect(tables.get(texts.t.reports.tables.deviations!)).toContainEqual([
      texts.t.deviationReasons.safety,
      '<5',
      '0',
      '0',
      '<5',
    ]);

    // Every case here ended today at the earliest: retention (5 years) has not run out for any.
    const purged = brygga(dir, ['purge', '--by', 'Eva Enhetschef', '--json'], as('stockholm-jarva'));
    expect(purged.stderr).toBe('');
    expect(purged.json()).toEqual({ cases: [], reconciliations: [], keys: [], record: null, dryRun: false });
  });
});
