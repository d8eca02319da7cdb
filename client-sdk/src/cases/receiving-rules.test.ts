/**
 * The receiving city's rules as pure checks (PROTOCOL.md §14.5 and the rules after it): each refuses
 * with its own code, naming the rule and its source document.
 */
import { describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { agreementTerms, makeWorld } from '../../../test/support/fixtures.js';
import { Agreement } from '../directory/agreement.js';
import type { RelocationPreCheck } from './relocation.js';
import { validateRelocation } from './relocation.js';
import { assertOffered, assertRelocationPreCheck, assertSpecialAssessed } from './rules.js';
import { type SpecialCaseMark, validateSpecial } from './special-case.js';

const world = makeWorld();

describe("each city's own offer", () => {
  it('assertOffered refuses what the receiving municipality does not offer, naming it and the source', () => {
    const a = Agreement.create(
      agreementTerms(world.roots, {
        municipalities: MUNICIPALITIES.map((m) => (m.id === 'malmo' ? { ...m, offers: ['krisstod'] } : m)),
      }),
    );
    expect(() => assertOffered(a, 'malmo', ['krisstod'])).not.toThrow();
    expect(() => assertOffered(a, 'goteborg', ['boendestod'])).not.toThrow();
    expect(codeOf(() => assertOffered(a, 'malmo', ['krisstod', 'boendestod']))).toBe(
      'ERR_SERVICE_NOT_OFFERED',
    );
    expect(() => assertOffered(a, 'malmo', ['boendestod'])).toThrow(
      /^malmo does not offer boendestod: the cooperation agreement \(Avtal om samverkan för insatser till avhoppare\) puts no duty/,
    );
  });
});

describe('the relocation pre-check', () => {
  const a = Agreement.create(
    agreementTerms(world.roots, {
      municipalities: MUNICIPALITIES.map((m) =>
        m.id === 'goteborg' ? { ...m, relocationNotice: 'Social resursnämnd' } : m,
      ),
    }),
  );
  const by = { name: 'Greta Gren', role: 'samordnare' };
  const cleared: RelocationPreCheck = {
    area: 'Hisingen',
    notice: {
      body: 'Social resursnämnd',
      notifiedBy: by,
      notifiedOn: '2025-03-01',
      reference: 'SRN-2025-17',
    },
    check: { result: 'cleared', reason: null, checkedBy: by, checkedOn: '2025-03-02' },
  };

  it('where the terms name a body, an acceptance needs the notice to exactly that body and a cleared check', () => {
    expect(() => assertRelocationPreCheck(a, 'goteborg', cleared, '2025-03-03')).not.toThrow();
    expect(codeOf(() => assertRelocationPreCheck(a, 'goteborg', null, '2025-03-03'))).toBe(
      'ERR_RELOCATION_NOT_NOTIFIED',
    );
    expect(() => assertRelocationPreCheck(a, 'goteborg', { ...cleared, notice: null }, '2025-03-03')).toThrow(
      /^goteborg's terms require notifying Social resursnämnd in advance of the planned relocation area before accepting: Riktlinje för Göteborgs Stads arbete med avhoppare/,
    );
    const elsewhere = { ...cleared, notice: { ...cleared.notice!, body: 'Stadsledningskontoret' } };
    expect(codeOf(() => assertRelocationPreCheck(a, 'goteborg', elsewhere, '2025-03-03'))).toBe(
      'ERR_RELOCATION_NOT_NOTIFIED',
    );
    const concerns: RelocationPreCheck = {
      ...cleared,
      check: { ...cleared.check, result: 'concerns', reason: 'Rivaliserande nätverk i området' },
    };
    expect(codeOf(() => assertRelocationPreCheck(a, 'goteborg', concerns, '2025-03-03'))).toBe(
      'ERR_RELOCATION_NOT_CLEARED',
    );
    // Dated after the decision's day.
    expect(codeOf(() => assertRelocationPreCheck(a, 'goteborg', cleared, '2025-03-01'))).toBe(
      'ERR_PRECONDITION_DATE',
    );
  });

  it('where the terms name none, the pre-check is optional, but one an acceptance carries must be cleared', () => {
    expect(() => assertRelocationPreCheck(a, 'malmo', null, '2025-03-03')).not.toThrow();
    expect(() =>
      assertRelocationPreCheck(a, 'malmo', { ...cleared, notice: null }, '2025-03-03'),
    ).not.toThrow();
    const concerns: RelocationPreCheck = {
      ...cleared,
      check: { ...cleared.check, result: 'concerns', reason: 'Hotbilden når området' },
    };
    expect(codeOf(() => assertRelocationPreCheck(a, 'malmo', concerns, '2025-03-03'))).toBe(
      'ERR_RELOCATION_NOT_CLEARED',
    );
  });

  it('the area is an area or district, never an address; concerns say why', () => {
    expect(validateRelocation(cleared, 'r')).toEqual(cleared);
    expect(codeOf(() => validateRelocation({ ...cleared, area: 'Storgatan 12' }, 'r'))).toBe('ERR_MALFORMED');
    expect(codeOf(() => validateRelocation({ ...cleared, area: '417 05 Göteborg' }, 'r'))).toBe(
      'ERR_MALFORMED',
    );
    const noReason = { ...cleared, check: { ...cleared.check, result: 'concerns' } };
    expect(() => validateRelocation(noReason, 'r')).toThrow(/r\.check\.reason must say why/);
  });

  it('a relocationNotice that is blank makes the terms malformed', () => {
    const terms = agreementTerms(world.roots, {
      municipalities: MUNICIPALITIES.map((m) => (m.id === 'goteborg' ? { ...m, relocationNotice: ' ' } : m)),
    });
    expect(codeOf(() => Agreement.create(terms))).toBe('ERR_MALFORMED');
  });
});

describe('special cases', () => {
  const a = Agreement.create(
    agreementTerms(world.roots, {
      municipalities: MUNICIPALITIES.map((m) =>
        m.id === 'goteborg' ? { ...m, specialCases: 'Stadsledningskontoret' } : m,
      ),
    }),
  );
  const assessed: SpecialCaseMark = {
    body: 'Stadsledningskontoret',
    assessment: {
      assessedBy: { name: 'Karin Carlsson', role: 'strateg' },
      assessedOn: '2025-03-01',
      outcome: 'motivated',
      reference: 'SLK-2025-00042',
    },
  };

  it('needs the assessment of the body the terms name, dated on or before the decision, naming the guideline', () => {
    const check = (m: SpecialCaseMark | null, municipality = 'goteborg', day = '2025-03-03') =>
      codeOf(() => assertSpecialAssessed(a, municipality, m, day, 'the acceptance'));
    expect(() =>
      assertSpecialAssessed(a, 'goteborg', assessed, '2025-03-01', 'the acceptance'),
    ).not.toThrow();
    expect(() => assertSpecialAssessed(a, 'goteborg', null, '2025-03-03', 'the acceptance')).not.toThrow();
    expect(check({ ...assessed, assessment: null })).toBe('ERR_SPECIAL_CASE_NOT_ASSESSED');
    expect(() =>
      assertSpecialAssessed(a, 'goteborg', { ...assessed, assessment: null }, '2025-03-03', 'the acceptance'),
    ).toThrow(
      /^the acceptance of a special case needs the assessment of Stadsledningskontoret, as goteborg's terms name it: Riktlinje för Göteborgs Stads arbete med avhoppare \(stadsledningskontoret, dnr 0952\/18\)/,
    );
    expect(check({ ...assessed, body: 'Social resursnämnd' })).toBe('ERR_SPECIAL_CASE_NOT_ASSESSED');
    expect(check(assessed, 'goteborg', '2025-02-28')).toBe('ERR_SPECIAL_CASE_NOT_ASSESSED');
    // Malmö's terms name no body: a mark without an assessment is not refused.
    expect(() =>
      assertSpecialAssessed(a, 'malmo', { ...assessed, assessment: null }, '2025-03-03', 'the acceptance'),
    ).not.toThrow();
  });

  it('validates the mark; a blank specialCases makes the terms malformed', () => {
    expect(validateSpecial(assessed, 's')).toEqual(assessed);
    expect(validateSpecial({ body: 'Stadsledningskontoret', assessment: null }, 's')).toEqual({
      body: 'Stadsledningskontoret',
      assessment: null,
    });
    const unsure = { ...assessed, assessment: { ...assessed.assessment, outcome: 'unsure' } };
    expect(() => validateSpecial(unsure, 's')).toThrow(/s\.assessment\.outcome/);
    const terms = agreementTerms(world.roots, {
      municipalities: MUNICIPALITIES.map((m) => (m.id === 'goteborg' ? { ...m, specialCases: ' ' } : m)),
    });
    expect(codeOf(() => Agreement.create(terms))).toBe('ERR_MALFORMED');
  });
});
