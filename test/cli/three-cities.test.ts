/**
 * The `brygga` CLI end to end, only through the binary, against a real relay process:
 * three units set up (root keys, the agreement signed by all, installed, one device each), then a
 * referral from Stockholm (Järva) to Malmö through acceptance, plan, follow-up, costs and closure, and
 * its evidence verified offline; then a referral answered question by question on standard input, a
 * consent attested again after a withdrawal, and the half-year's reconciliation between Stockholm and
 * Malmö, proposed and countersigned, with the same figures at both ends. Last, the relay's transparency
 * log is audited: its checkpoint with a witness's cosignature, every entry replayed to the signed root,
 * one unit's key history, and a relay that alters an entry (behind a proxy) caught at that entry. The
 * refusals (wrong passphrase, unknown unit, revoked device, malformed referral or consent file, an answer
 * the rules refuse, a bad period label, a wrong log key, a tampered log) each give a clear message and a
 * non-zero exit code, and lose nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      { municipality: MUNICIPALITY[home], date: day(-6), reference: 'POL-1', approved: true },
      { municipality: MUNICIPALITY[to], date: day(-4), reference: 'POL-2', approved: true },
    ],
    motivation: { assessed: true, assessedOn: day(-7), assessment: 'Motiverad.' },
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

// Every CLI run starts a process and derives scrypt keys (PROTOCOL.md §3.4): the steps take seconds each.
describe('the brygga CLI against a real relay', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: RelayProcess;
  const adminToken = randomBytes(32).toString('base64url');
  const as = (u: Unit) => ({ BRYGGA_PASSPHRASE: PASS[u], BRYGGA_DEVICE: join(dir, `${u}-device`) });
  // The relay's token audience is its public URL, which differs from the loopback URL it listens on.
  const relayFlags = () => ['--relay', relay.url, '--audience', AUDIENCE];
  let caseId: string;

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

    const contacts = writeJson(dir, 'accept.json', {
      contacts: [{ unit: 'malmo', name: 'Samordnare', role: 'avhopparsamordnare', phone: null, email: null }],
    });
    expect(brygga(dir, ['accept', caseId, '--file', contacts, '--json'], as('malmo')).json()).toEqual({
      caseId,
      status: 'accepted',
    });
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
    const gbgCase = sent.json<{ caseId: string }>().caseId;
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
      'POL-3',
      'y',
      day(-4),
      'POL-4',
      'y',
      'y',
      day(-6),
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
    writeJson(dir, 'renewed-consent.json', {
      form: 'written',
      written: { documentSha256: 'z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4p3o2i1u0y9t', signedOn: day(0) },
      validFrom: day(0),
      validUntil: day(300),
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

  it('finds a log the relay altered: a changed envelope hash, a forged statement', async () => {
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
  });
});
