/**
 * Packet bodies and their JSON Schemas (PROTOCOL.md §12): every example passes both; every validator
 * refuses junk with ERR_MALFORMED (never another error, never a crash); whatever a validator accepts,
 * the schema accepts too; and the signed documents' payloads match their schemas.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleBodies } from '../../../test/support/case-bodies.js';
import { isValid, loadCaseSchemas } from '../../../test/support/case-schemas.js';
import { caseWorld, consentFor, newCaseId, quotaProof } from '../../../test/support/case-world.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { BryggaError } from '../errors.js';
import { recordWithdrawal } from './consent-withdrawal.js';
import { PACKET_TYPES, type PacketType, validatePacketBody } from './packet-body.js';
import { signReceipt } from './receipt.js';

const ajv = loadCaseSchemas();
const world = caseWorld();
const examples = exampleBodies(world);
const schemaOf = (type: PacketType) => `urn:brygga:schema:packet:${type}`;
const payload = (jws: string) => decodeJsonPayload(decodeCompact(jws).payloadBytes);

/** Mutations of a JSON value: every member removed, replaced by junk, or an unknown member added. */
function mutations(value: unknown, junk: unknown[]): unknown[] {
  const out: unknown[] = [];
  if (value && typeof value === 'object') {
    if (Array.isArray(value)) {
      out.push([]);
      value.forEach((v, i) => {
        for (const m of mutations(v, junk)) out.push(value.map((x, j) => (j === i ? m : x)));
      });
    } else {
      const o = value as Record<string, unknown>;
      out.push({ ...o, unknownMember: 1 });
      for (const k of Object.keys(o)) {
        const { [k]: _, ...rest } = o;
        out.push(rest);
        for (const j of junk) out.push({ ...o, [k]: j });
        for (const m of mutations(o[k], junk).slice(0, 40)) out.push({ ...o, [k]: m });
      }
    }
  }
  return out;
}

function outcome(type: PacketType, body: unknown): 'ok' | 'malformed' | 'other' {
  try {
    validatePacketBody(type, body);
    return 'ok';
  } catch (e) {
    return e instanceof BryggaError && (e.code === 'ERR_MALFORMED' || e.code === 'ERR_UNSUPPORTED_VERSION')
      ? 'malformed'
      : 'other';
  }
}

describe('packet bodies', () => {
  it.each(PACKET_TYPES)('%s: the example passes its validator and its schema', (type) => {
    const body = examples[type];
    expect(validatePacketBody(type, body)).toEqual(body);
    expect(isValid(ajv, schemaOf(type), body)).toBe(true);
  });

  it.each(PACKET_TYPES)(
    '%s: mutated bodies are refused with ERR_MALFORMED, and the schema agrees with what is accepted',
    (type) => {
      const junk = [null, 0, -1, 1.5, '', 'x'.repeat(30_000), true, [], {}, '2025-02-30', 'ERR', { a: 1 }];
      let refused = 0;
      for (const m of mutations(examples[type], junk)) {
        const o = outcome(type, m);
        expect(o).not.toBe('other');
        if (o === 'ok') expect(isValid(ajv, schemaOf(type), m)).toBe(true);
        else refused++;
      }
      expect(refused).toBeGreaterThan(0);
    },
  );

  it('junk never crashes a validator, and what a validator accepts its schema accepts (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PACKET_TYPES),
        fc.anything({ withObjectString: true, withNullPrototype: true }),
        (type, junk) => {
          const o = outcome(type, junk);
          return o === 'malformed' || (o === 'ok' && isValid(ajv, schemaOf(type), junk));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an error names the field, never its content', () => {
    const body = {
      ...examples.referral,
      person: { ...examples.referral.person, personalIdentityNumber: 'Hemlig 123' },
    };
    try {
      validatePacketBody('referral', body);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('referral.person.personalIdentityNumber');
      expect((e as Error).message).not.toContain('Hemlig');
    }
  });

  it('a deviation names a rule of the list, never the consent, and another part of the guideline in words', () => {
    const body = examples.deviation;
    const refusal = (m: unknown) => {
      try {
        validatePacketBody('deviation', m);
        return null;
      } catch (e) {
        return {
          code: (e as BryggaError).code,
          message: (e as Error).message,
          schema: isValid(ajv, schemaOf('deviation'), m),
        };
      }
    };
    for (const rule of ['consent-scope', 'police', 'Riktlinje 4.2', null]) {
      expect(refusal({ ...body, rule })).toEqual({
        code: 'ERR_MALFORMED',
        message: expect.stringMatching(/^deviation\.rule must be one of /),
        schema: false,
      });
    }
    expect(refusal({ ...body, rule: 'guideline', guideline: null })).toEqual({
      code: 'ERR_MALFORMED',
      message: 'deviation.guideline must name the part of the guideline when rule is guideline',
      schema: false,
    });
    const { rule: _, ...withoutRule } = body;
    expect(refusal(withoutRule)).toMatchObject({ message: 'deviation.rule is required', schema: false });
    // Words are optional for a rule of the referral, and required for another part of the guideline.
    for (const ok of [
      { ...body, rule: 'housing', guideline: null },
      { ...body, rule: 'guideline', guideline: 'Riktlinje 4.2: samråd före flytt' },
    ]) {
      expect(validatePacketBody('deviation', ok)).toEqual(ok);
      expect(isValid(ajv, schemaOf('deviation'), ok)).toBe(true);
    }
  });

  it('refuses an unknown type', () => {
    expect(outcome('nonsense' as PacketType, {})).toBe('malformed');
  });

  it('impossible dates, reversed ranges and duplicates are refused', () => {
    const plan = examples['implementation-plan'];
    expect(outcome('implementation-plan', { ...plan, decidedOn: '2025-02-29' })).toBe('malformed');
    expect(
      outcome('implementation-plan', { ...plan, services: [{ ...plan.services[0]!, to: '2025-01-01' }] }),
    ).toBe('malformed');
    expect(outcome('implementation-plan', { ...plan, services: [plan.services[0], plan.services[0]] })).toBe(
      'malformed',
    );
    const cost = examples['cost-report'];
    expect(outcome('cost-report', { lines: [cost.lines[0], cost.lines[0]] })).toBe('malformed');
    expect(outcome('uptake-decision', { ...examples['uptake-decision'], reason: 'safety' })).toBe(
      'malformed',
    );
    expect(
      outcome('uptake-decision', {
        decision: 'decline',
        reason: 'safety',
        note: null,
        contacts: [],
        quota: examples['uptake-decision'].quota,
      }),
    ).toBe('malformed');
  });
});

describe('signed case documents match their schemas', () => {
  const caseId = newCaseId();
  it('consent, withdrawal, receipt and quota claim payloads', () => {
    const consent = payload(consentFor(world, caseId));
    expect(isValid(ajv, 'urn:brygga:schema:document:consent-claims', consent)).toBe(true);
    expect(
      isValid(ajv, 'urn:brygga:schema:document:consent-claims', { ...(consent as object), extra: 1 }),
    ).toBe(false);
    const withdrawal = payload(
      recordWithdrawal(world.devices['stockholm-jarva'].key, {
        consentId: (consent as { id: string }).id,
        caseId,
        unit: 'stockholm-jarva',
        withdrawnOn: '2025-03-04',
        form: 'oral',
        now: world.now,
      }),
    );
    expect(isValid(ajv, 'urn:brygga:schema:document:consent-withdrawal-claims', withdrawal)).toBe(true);
    const receipt = payload(
      signReceipt(world.devices.malmo.key, {
        pid: 'AAAAAAAAAAAAAAAAAAAAAA',
        hash: 'A'.repeat(43),
        caseId,
        type: 'referral',
        from: { unit: 'stockholm-jarva', device: world.devices['stockholm-jarva'].key.kid },
        unit: 'malmo',
        outcome: 'rejected',
        code: 'ERR_CONSENT_SCOPE',
        now: world.now,
      }),
    );
    expect(isValid(ajv, 'urn:brygga:schema:document:receipt-claims', receipt)).toBe(true);
    const claim = payload(quotaProof(world, 'malmo', caseId, 'incoming').proof.claim);
    expect(isValid(ajv, 'urn:brygga:schema:document:quota-claim-claims', claim)).toBe(true);
  });
});
