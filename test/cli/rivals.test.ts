/**
 * Rival groups through the `brygga` binary only, against a real relay process (PROTOCOL.md §14.6 (5)):
 * Göteborg's terms set `rivalCheck`, so Järva's referral without the person's group affiliation is
 * refused with a hint and nothing is sent; with it, Göteborg keeps its list of known groups (`brygga
 * rivals add`, `brygga rivals`, `brygga rivals remove`), `brygga rivals check` shows the collision,
 * `brygga accept` refuses an acceptance without the check and one saying "no conflict" against the list,
 * and takes the conflict accepted despite it with a reason; `brygga case show` at Järva shows the
 * affiliation and the check's result, and nothing of Göteborg's list.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseState, KnownGroup, RivalCollision } from '../../client-sdk/src/index.js';
import { agreementTerms, MUNICIPALITIES, party, periodFromThisYear } from '../support/agreement-terms.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { brygga, day, writeJson } from './cli-harness.js';

const UNITS = ['stockholm-jarva', 'goteborg-nordost'] as const;
type Unit = (typeof UNITS)[number];
const AUDIENCE = 'https://brygga.test.invalid';
const PASS: Record<Unit, string> = {
  'stockholm-jarva': 'järva-lösenfras-rivaler',
  'goteborg-nordost': 'nordost-lösenfras-rivaler',
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const police = (what: 'consultation' | 'approval') =>
  (['stockholm', 'goteborg'] as const).map((municipality, i) => ({
    municipality,
    date: day(-6 + i),
    officer: { name: `Polis ${i + 1}`, role: 'avhopparsamordnare' },
    reference: `POL-${i + 1}`,
    ...(what === 'consultation' ? { outcome: 'Inga invändningar.' } : { approved: true }),
  }));

/** Järva's referral file to Göteborg Nordost, with `affiliation` when given. */
function referral(affiliation?: unknown) {
  return {
    to: 'goteborg-nordost',
    category: 'avhoppare',
    threatLevel: 'high',
    person: { name: 'Anonym Avhoppare', personalIdentityNumber: null, dateOfBirth: null },
    requestedServices: ['krisstod'],
    policeConsultations: police('consultation'),
    policeApprovals: police('approval'),
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
    temporaryHousing: { arrangedByHome: true, from: day(3), address: null },
    contacts: [
      { unit: 'stockholm-jarva', name: 'Handläggare', role: 'socialsekreterare', phone: null, email: null },
    ],
    consent: {
      form: 'written',
      written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: day(-2) },
      validFrom: day(-2),
      validUntil: day(300),
    },
    ...(affiliation === undefined ? {} : { affiliation }),
  };
}

const GRETA = { name: 'Greta Gren', role: 'samordnare' };
const contacts = [
  { unit: 'goteborg-nordost', name: 'Greta Gren', role: 'samordnare', phone: null, email: null },
];

describe('the rival-group check through the CLI', { timeout: 300_000 }, () => {
  let dir: string;
  let relay: RelayProcess;
  let caseId: string;
  const adminToken = randomBytes(32).toString('base64url');
  const as = (u: Unit) => ({ BRYGGA_PASSPHRASE: PASS[u], BRYGGA_DEVICE: join(dir, `${u}-device`) });
  const relayFlags = () => ['--relay', relay.url, '--audience', AUDIENCE];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-cli-rivals-'));
    relay = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_ADMIN_TOKEN: adminToken,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_PORT: String(await freePort()),
      BRYGGA_LOG_MERGE_DELAY: '50',
    });
    const rootKeys = {} as Record<Unit, string>;
    for (const u of UNITS) {
      const run = brygga(dir, ['unit', 'init', '--unit', u, '--out', `${u}-root.json`, '--json'], as(u));
      expect(run.status).toBe(0);
      rootKeys[u] = run.json<{ rootKey: string }>().rootKey;
    }
    writeJson(
      dir,
      'terms.json',
      agreementTerms(
        UNITS.map((u) => party(u, rootKeys[u])),
        {
          period: periodFromThisYear(),
          municipalities: MUNICIPALITIES.map((m) => (m.id === 'goteborg' ? { ...m, rivalCheck: true } : m)),
        },
      ),
    );
    expect(
      brygga(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']).status,
    ).toBe(0);
    for (const u of UNITS) {
      expect(
        brygga(dir, ['agreement', 'sign', 'agreement.json', '--key', `${u}-root.json`], as(u)).status,
      ).toBe(0);
    }
    const install = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags()], {
      BRYGGA_ADMIN_TOKEN: adminToken,
    });
    expect(install.status).toBe(0);
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
    }
  }, 300_000);
  afterAll(async () => {
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses Järva's referral to Göteborg without the group affiliation, with a hint; sends it with one", () => {
    writeJson(dir, 'bare.json', referral());
    const bare = brygga(dir, ['refer', '--file', 'bare.json'], as('stockholm-jarva'));
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('[ERR_GROUP_AFFILIATION_MISSING]');
    expect(bare.stderr).toContain('så att avhoppare från rivaliserande gäng inte placeras i samma kommun');
    expect(bare.stderr).toContain('give the person\'s group affiliation in "affiliation" of the referral');
    const affiliation = {
      groups: ['Nätverk Norr'],
      assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
      assessedOn: day(-7),
    };
    writeJson(dir, 'referral.json', referral(affiliation));
    const sent = brygga(dir, ['refer', '--file', 'referral.json', '--json'], as('stockholm-jarva'));
    expect(sent.stderr).toBe('');
    expect(sent.status).toBe(0);
    caseId = sent.json<{ caseId: string }>().caseId;
    expect(brygga(dir, ['inbox'], as('goteborg-nordost')).status).toBe(0);
  });

  it("keeps Göteborg's list of known groups and shows the collision with the case", () => {
    const empty = brygga(dir, ['rivals'], as('goteborg-nordost'));
    expect(empty.stdout).toMatch(/^No known groups\./);
    const add = (group: string, where: string, rivals: string) =>
      brygga(
        dir,
        [
          'rivals',
          'add',
          '--group',
          group,
          '--in',
          where,
          '--rivals',
          rivals,
          '--by',
          'Greta Gren',
          '--json',
        ],
        as('goteborg-nordost'),
      );
    const added = add('Syndikat Sextiotre', 'Ale kommun', 'Nätverk Norr, Nätverk Väst');
    expect(added.stderr).toBe('');
    const entry = added.json<KnownGroup>();
    expect(entry).toMatchObject({
      group: 'Syndikat Sextiotre',
      presentIn: 'Ale kommun',
      rivals: ['Nätverk Norr', 'Nätverk Väst'],
      addedBy: 'Greta Gren',
    });
    const other = add('Grupp Söder', 'Göteborg', 'Grupp Väster').json<KnownGroup>();
    const listed = brygga(dir, ['rivals'], as('goteborg-nordost'));
    expect(listed.stdout).toContain('2 known groups:');
    expect(listed.stdout).toContain(
      `${entry.id}  Syndikat Sextiotre in Ale kommun; rival of Nätverk Norr, Nätverk Väst; added by Greta Gren`,
    );
    const removed = brygga(dir, ['rivals', 'remove', other.id], as('goteborg-nordost'));
    expect(removed.stdout).toBe(`Removed ${other.id}.\n`);
    expect(brygga(dir, ['rivals', 'remove', other.id], as('goteborg-nordost')).status).not.toBe(0);
    const blank = brygga(
      dir,
      ['rivals', 'add', '--group', 'X', '--in', 'Y', '--by', 'Z'],
      as('goteborg-nordost'),
    );
    expect(blank.status).not.toBe(0);
    const check = brygga(dir, ['rivals', 'check', caseId, '--json'], as('goteborg-nordost'));
    expect(check.json<{ collisions: RivalCollision[] }>().collisions).toEqual([
      { group: 'Nätverk Norr', rival: 'Syndikat Sextiotre', presentIn: 'Ale kommun', entry: entry.id },
    ]);
    expect(brygga(dir, ['rivals', 'check', caseId], as('goteborg-nordost')).stdout).toContain(
      "Conflict: 1 rival group of the person's present:",
    );
  });

  it('refuses an acceptance without the check or with "no conflict" against the list; takes the conflict decided', () => {
    const accept = (name: string, rivalCheck?: unknown) => {
      writeJson(dir, name, { contacts, ...(rivalCheck === undefined ? {} : { rivalCheck }) });
      return brygga(dir, ['accept', caseId, '--file', name], as('goteborg-nordost'));
    };
    const bare = accept('bare-accept.json');
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('[ERR_RIVAL_CHECK_MISSING]');
    expect(bare.stderr).toContain('in "rivalCheck" of `brygga accept`');
    const checked = { checkedBy: GRETA, checkedOn: day(0) };
    const none = accept('none.json', { result: 'no-conflict', decision: null, reason: null, ...checked });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('[ERR_RIVAL_CONFLICT_UNRECORDED]');
    expect(none.stderr).not.toContain('Syndikat');
    const despite = accept('despite.json', {
      result: 'conflict',
      decision: 'accepted-despite',
      reason: 'Placeras i en annan stadsdel',
      ...checked,
    });
    expect(despite.stderr).toBe('');
    expect(despite.status).toBe(0);
  });

  it("shows the affiliation and the check's result at Järva, and nothing of Göteborg's list", () => {
    expect(brygga(dir, ['inbox'], as('stockholm-jarva')).status).toBe(0);
    const shown = brygga(dir, ['case', 'show', caseId], as('stockholm-jarva'));
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(
      `group affiliation: 1 group named; assessed by Handläggare Hem (socialsekreterare), ${day(-7)}`,
    );
    expect(shown.stdout).toContain(
      `rival-group check: conflict, accepted despite it; checked by Greta Gren (samordnare), ${day(0)}`,
    );
    expect(shown.stdout).toContain('Nätverk Norr');
    expect(shown.stdout).toContain('Placeras i en annan stadsdel');
    expect(shown.stdout).not.toContain('Syndikat');
    expect(shown.stdout).not.toContain('Ale kommun');
    const json = brygga(dir, ['case', 'show', caseId, '--json'], as('stockholm-jarva'));
    expect(json.json<{ state: CaseState }>().state.rivalCheck).toMatchObject({
      result: 'conflict',
      decision: 'accepted-despite',
    });
  });

  it('asks for the group affiliation when Järva refers to Göteborg by answers, and sends it', () => {
    const officer = (n: number) => [`Polis ${n}`, 'avhopparsamordnare', `POL-${n}`];
    const answers = [
      ...['goteborg-nordost', 'avhoppare', 'high', 'Anonym Avhoppare', '', '', 'krisstod'],
      ...[day(-6), ...officer(1), 'Inga invändningar.', day(-5), ...officer(2), 'Inga invändningar.'],
      ...[day(-6), ...officer(1), 'y', day(-5), ...officer(2), 'y'],
      ...['y', 'concrete', 'y', 'n', day(-7), 'Handläggare Hem', 'socialsekreterare', 'Motiverad.'],
      // The affiliation, asked because Göteborg's terms set rivalCheck; one group named twice first.
      ...[
        'Nätverk Norr, nätverk  norr',
        'Nätverk Norr, Gäng Väst',
        day(-7),
        'Handläggare Hem',
        'socialsekreterare',
      ],
      ...['n', day(-7), 'y', day(3), '', 'Handläggare', 'socialsekreterare', '', '', 'n'],
      ...['written', 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', day(-2), day(-2), day(300), '', 'y', ''],
    ].join('\n');
    const sent = brygga(dir, ['refer', '--json'], as('stockholm-jarva'), { input: answers });
    expect(sent.stderr).toMatch(/Not accepted \(group affiliation\): a group is named twice\. Answer again/);
    expect(sent.stderr).toMatch(/ {2}group affiliation: +Nätverk Norr, Gäng Väst\n/);
    expect(sent.status).toBe(0);
    const asked = sent.json<{ caseId: string }>().caseId;
    const shown = brygga(dir, ['case', 'show', asked], as('stockholm-jarva'));
    expect(shown.stdout).toContain(
      `group affiliation: 2 groups named; assessed by Handläggare Hem (socialsekreterare), ${day(-7)}`,
    );
  });
});
