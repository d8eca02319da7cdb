/**
 * The example files of docs/examples (README, "Setting up three units"): each is valid against its JSON
 * Schema, and the terms go through the CLI: `agreement create`, then `agreement show` prints every
 * member of them (text) and carries them in full (`--json`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgreementTerms, SigningKeyPair } from '../../client-sdk/src/index.js';
import { loadCaseSchemas } from '../support/case-schemas.js';
import { assertValid } from '../support/schemas.js';
import { brygga, writeJson } from './cli-harness.js';

const CONSENT_CLAIMS = 'urn:brygga:schema:document:consent-claims';
const EXAMPLES = join(import.meta.dirname, '..', '..', 'docs', 'examples');
const example = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8')) as T;

/** The example terms with a fresh root key in place of each placeholder. */
function termsWithKeys(): AgreementTerms {
  const terms = example<AgreementTerms>('terms.json');
  for (const p of terms.parties) p.rootKey = SigningKeyPair.generate().publicKey.serialize();
  return terms;
}

describe('docs/examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-examples-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ajv = loadCaseSchemas();

  it('are valid against the JSON Schemas', () => {
    expect(example<AgreementTerms>('terms.json').parties.every((p) => p.rootKey.startsWith('REPLACE-'))).toBe(
      true,
    );
    assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', termsWithKeys());
    // A referral file is the referral's body as the SDK takes it (PROTOCOL.md §14): without the quota
    // proof the SDK adds, and with the consent as its attested members, which the SDK signs.
    const body = structuredClone(ajv.getSchema('urn:brygga:schema:packet:referral')?.schema) as {
      $id: string;
      required: string[];
      properties: Record<string, unknown>;
    };
    delete body.properties.consent;
    delete body.properties.quota;
    ajv.addSchema({
      ...body,
      $id: 'urn:test:referral-file',
      required: body.required.filter((r) => r !== 'quota' && r !== 'consent'),
    });
    const { consent, ...referral } = example<{ consent: Record<string, unknown> }>('referral.json');
    assertValid(ajv, 'urn:test:referral-file', referral);
    for (const [member, value] of Object.entries(consent)) {
      assertValid(ajv, `${CONSENT_CLAIMS}#/properties/${member}`, value);
    }
    assertValid(ajv, 'urn:brygga:schema:packet:implementation-plan', example('plan.json'));
    assertValid(ajv, 'urn:brygga:schema:packet:follow-up', example('follow-up.json'));
    assertValid(ajv, 'urn:brygga:schema:packet:cost-report', example('costs.json'));
  });

  it('the terms make an agreement whose `show` prints every member and carries them in full', () => {
    const terms = termsWithKeys();
    writeJson(dir, 'terms.json', terms);
    const created = brygga(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);

    const json = brygga(dir, ['agreement', 'show', 'agreement.json', '--json']).json<
      Record<string, unknown>
    >();
    const { parties, ...rest } = terms;
    expect(json).toMatchObject({ ...rest, complete: false });
    expect(json.parties).toEqual(
      parties.map((p) => ({
        ...p,
        safetyNumber: expect.stringMatching(/^\d{5}( \d{5}){5}$/),
        signed: false,
      })),
    );

    const text = brygga(dir, ['agreement', 'show', 'agreement.json']).stdout;
    for (const m of terms.municipalities) {
      expect(text).toMatch(
        new RegExp(`${m.id}.*${m.name}.*outgoing ${m.quota.outgoing}.*incoming ${m.quota.incoming}`),
      );
    }
    for (const p of json.parties as { unit: string; name: string; safetyNumber: string }[]) {
      expect(text).toMatch(new RegExp(`${p.unit}\\s+${p.safetyNumber}\\s+NOT SIGNED\\s+${p.name}`));
    }
    for (const s of terms.catalogue) expect(text).toMatch(new RegExp(`${s.code}.*${s.name}`));
    expect(text).toMatch(/categories: avhoppare, skyddsarende/);
    expect(text).toMatch(/threatLevels: low, high/);
    expect(text).toContain(`${terms.period.from} – ${terms.period.to}`);
    // Without `offers` in the terms, each municipality offers the whole catalogue (PROTOCOL.md §5.5).
    const catalogue = terms.catalogue.map((s) => s.code);
    expect(json.offers).toEqual(terms.municipalities.map((m) => ({ municipality: m.id, offers: catalogue })));
    expect(text).toContain('Services each municipality offers when it receives a case:');
    for (const m of terms.municipalities) {
      expect(text).toMatch(new RegExp(`^ {2}${m.id} +${catalogue.join(', ')}$`, 'm'));
    }
    expect(text).toContain('Not in force');
  });
});
