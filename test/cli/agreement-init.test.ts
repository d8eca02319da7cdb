/**
 * Ready-made terms (`brygga agreement init --template 2023|2025`): each template, its root keys filled
 * in, is valid under schemas/agreement.schema.json and accepted by the SDK's terms parser, with the
 * decisions' parties, period, quota and preconditions; the CLI writes it to stdout or to --out (never
 * over an existing file without --force), takes root keys from --root, says which are left to fill in,
 * and refuses an unknown template as a usage error; and a referral runs under the 2025 template's terms.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AGREEMENT_TEMPLATES,
  Agreement,
  type AgreementTerms,
  agreementTemplate,
  encryptKey,
  rootKeyPlaceholder,
  SigningKeyPair,
  serializeKeyFile,
  templateUnits,
} from '@brygga/client-sdk';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../client-sdk/src/cli/main.js';
import { assertValid, loadSchemas } from '../support/schemas.js';
import { makeWorkflowWorld, referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

const ajv = loadSchemas();
const TERMS = 'urn:brygga:schema:agreement#/$defs/terms';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const status = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {} });
  return { status, out, err };
}

/** A fresh root public key for every party of `year`. */
function rootsOf(year: (typeof AGREEMENT_TEMPLATES)[number]): Record<string, string> {
  return Object.fromEntries(
    templateUnits(year).map((p) => [p.unit, SigningKeyPair.generate().publicKey.serialize()]),
  );
}

describe('agreement templates', () => {
  it.each(AGREEMENT_TEMPLATES)(
    '%s: with its root keys, valid under the schema and the terms parser',
    (year) => {
      const terms = agreementTemplate(year, rootsOf(year));
      assertValid(ajv, TERMS, terms);
      const agreement = Agreement.create(terms);
      expect(agreement.terms.period).toEqual({ from: `${year}-01-01`, to: `${year}-12-31` });
      expect(agreement.terms.municipalities.map((m) => [m.id, m.quota.outgoing, m.quota.incoming])).toEqual([
        ['stockholm', year === '2023' ? 1 : 2, year === '2023' ? 1 : 2],
        ['goteborg', year === '2023' ? 1 : 2, year === '2023' ? 1 : 2],
        ['malmo', year === '2023' ? 1 : 2, year === '2023' ? 1 : 2],
      ]);
      for (const m of agreement.terms.municipalities)
        expect(m.offers).toEqual(agreement.terms.catalogue.map((c) => c.code));
      expect(agreement.terms.municipalities.map((m) => m.relocationNotice ?? null)).toEqual([
        null,
        'Social resursnämnd',
        null,
      ]);
      expect(agreement.terms.municipalities.map((m) => m.specialCases ?? null)).toEqual([
        null,
        'Stadsledningskontoret',
        null,
      ]);
      expect(agreement.terms.reporting?.childNoticeAnswerDays).toBe(1);
      expect(agreement.terms.deviations).toEqual({ deviable: ['police-consultation'] });
      expect(agreement.missingSignatures()).toHaveLength(templateUnits(year).length);
    },
  );

  it('2023 admits lower threat defectors without police approval; 2025 adds high threat and protection cases, approved', () => {
    const units = (year: '2023' | '2025') => templateUnits(year).map((p) => p.unit);
    expect(units('2023')).toEqual(
      expect.arrayContaining(['stockholm-rinkeby-kista', 'stockholm-spanga-tensta', 'goteborg-sydvast']),
    );
    expect(units('2023')).not.toContain('stockholm-farsta');
    expect(units('2025')).toEqual(expect.arrayContaining(['stockholm-jarva', 'stockholm-farsta']));
    expect(units('2025')).not.toContain('goteborg-sydvast');
    const t2023 = agreementTemplate('2023');
    const t2025 = agreementTemplate('2025');
    expect(t2023.admits).toEqual({ categories: ['avhoppare'], threatLevels: ['low'] });
    expect(t2023.preconditions?.policeApproval).toEqual({ categories: [], threatLevels: [] });
    expect(t2025.admits).toEqual({
      categories: ['avhoppare', 'skyddsarende'],
      threatLevels: ['low', 'high'],
    });
    expect(t2025.preconditions?.policeApproval).toEqual({
      categories: ['skyddsarende'],
      threatLevels: ['high'],
    });
  });

  it('a root key left to fill in is refused by the terms parser', () => {
    const terms = agreementTemplate('2025');
    expect(terms.parties.every((p) => p.rootKey === rootKeyPlaceholder(p.unit))).toBe(true);
    expect(() => Agreement.create(terms)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });
});

describe('brygga agreement init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-agreement-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the terms to standard output, and says which root keys are left to fill in', async () => {
    const r = await run(['agreement', 'init', '--template', '2023']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toEqual(agreementTemplate('2023'));
    expect(r.err).toContain('Still to fill in: the rootKey of stockholm-socialforvaltningen');
  });

  it('writes to --out with --root keys, refuses to overwrite it without --force, and the result makes an agreement', async () => {
    const out = join(dir, 'terms-2025.json');
    const roots = rootsOf('2025');
    const malmoKey = SigningKeyPair.generate();
    roots.malmo = malmoKey.publicKey.serialize();
    const keyFile = join(dir, 'malmo-root.key');
    const file = await encryptKey(malmoKey, 'en lång lösenfras', { scrypt: { N: 2 ** 15, r: 8, p: 1 } });
    writeFileSync(keyFile, serializeKeyFile(file));
    const given = Object.entries(roots)
      .filter(([unit]) => unit !== 'malmo' && unit !== 'goteborg-centrum')
      .map(([unit, key]) => `${unit}=${key}`);
    const first = await run([
      'agreement',
      'init',
      '--template',
      '2025',
      '--out',
      out,
      '--root',
      [...given, `malmo=${keyFile}`].join(','),
      '--json',
    ]);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({
      template: '2025',
      file: out,
      missingRoots: ['goteborg-centrum'],
    });
    const written = JSON.parse(readFileSync(out, 'utf8')) as AgreementTerms;
    expect(written.parties.find((p) => p.unit === 'malmo')?.rootKey).toBe(roots.malmo);
    expect(written.parties.find((p) => p.unit === 'goteborg-centrum')?.rootKey).toBe(
      rootKeyPlaceholder('goteborg-centrum'),
    );

    const again = await run(['agreement', 'init', '--template', '2023', '--out', out]);
    expect(again.status).toBe(1);
    expect(again.err).toContain('[ERR_EXISTS]');
    expect(again.err).toContain('--force');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(written);

    const forced = await run([
      'agreement',
      'init',
      '--template',
      '2025',
      '--out',
      out,
      '--force',
      '--root',
      Object.entries(roots)
        .map(([u, k]) => `${u}=${k}`)
        .join(','),
    ]);
    expect(forced.status).toBe(0);
    expect(forced.out).toContain('Every root key is filled in.');
    const agreementFile = join(dir, 'agreement-2025.json');
    const created = await run(['agreement', 'create', '--terms', out, '--out', agreementFile]);
    expect(created.status).toBe(0);
    expect(Agreement.deserialize(readFileSync(agreementFile, 'utf8')).terms).toEqual(
      Agreement.create(agreementTemplate('2025', roots)).terms,
    );
  });

  it('refuses an unknown template, and a --root of a unit not in it, as usage errors', async () => {
    const out = join(dir, 'terms-2024.json');
    const unknown = await run(['agreement', 'init', '--template', '2024', '--out', out, '--json']);
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.out)).toMatchObject({ error: { code: 'ERR_USAGE', exitCode: 2 } });
    expect(unknown.err).toContain('choose 2023 or 2025');
    expect(existsSync(out)).toBe(false);
    const stranger = await run(['agreement', 'init', '--template', '2023', '--root', 'stockholm-farsta=x']);
    expect(stranger.status).toBe(2);
    expect(stranger.err).toContain('not a party of the template');
  });
});

describe('a referral under the 2025 template', () => {
  let w: Workflow | undefined;
  afterEach(async () => {
    await w?.close();
  });

  it('a high threat case with police approval in both municipalities is referred and delivered; without approval it is refused', async () => {
    // The template's terms with the workflow world's own parties (its units and their root keys).
    const { parties: _, ...terms } = agreementTemplate('2025');
    w = await startWorkflow('sqlite', { world: makeWorkflowWorld(undefined, { terms }) });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const input = referInput('stockholm-jarva', 'malmo');
    expect(input.threatLevel).toBe('high');
    await expect(jarva.refer({ ...input, policeApprovals: [] })).rejects.toMatchObject({
      code: 'ERR_POLICE_APPROVAL_MISSING',
    });
    const { caseId } = await jarva.refer(input);
    // Malmö takes the referral in, then Järva collects Malmö's receipt.
    await w.syncAll(['stockholm-jarva', 'malmo'], 2);
    const atMalmo = await w.clients.malmo.getCase(caseId);
    expect(atMalmo.status).toBe('delivered');
    const receipts = await jarva.receipts(caseId);
    expect(receipts.some((r) => r.unit === 'malmo' && r.outcome === 'applied')).toBe(true);
  });
});
