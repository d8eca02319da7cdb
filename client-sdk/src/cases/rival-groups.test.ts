/**
 * The rival-group check as pure checks (PROTOCOL.md §12.4.1, §12.4.2, §14.6 (5)): the affiliation and
 * the check validated, each refusal with its own code naming the rule and its source, and the
 * collisions found against a unit's list of known groups.
 */
import { describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { agreementTerms, makeWorld } from '../../../test/support/fixtures.js';
import { Agreement } from '../directory/agreement.js';
import { agreementTemplate } from '../directory/agreement-templates.js';
import { rivalCheckOf } from '../directory/receiving-terms.js';
import {
  findRivalCollisions,
  type GroupAffiliation,
  groupKey,
  type KnownGroup,
  type RivalCheck,
  validateAffiliation,
  validateKnownGroupInput,
  validateRivalCheck,
} from './rival-groups.js';
import { assertAffiliationStated, assertRivalChecked } from './rules.js';

const world = makeWorld();
const by = { name: 'Greta Gren', role: 'samordnare' };

/** Terms where Göteborg checks placements against rival groups. */
const a = Agreement.create(
  agreementTerms(world.roots, {
    municipalities: MUNICIPALITIES.map((m) => (m.id === 'goteborg' ? { ...m, rivalCheck: true } : m)),
  }),
);

const affiliation: GroupAffiliation = {
  groups: ['Nätverk Norr'],
  assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
  assessedOn: '2025-02-24',
};

const noConflict: RivalCheck = {
  result: 'no-conflict',
  decision: null,
  reason: null,
  checkedBy: by,
  checkedOn: '2025-03-02',
};

const entry = (id: string, group: string, rivals: string[], presentIn = 'Kungälv'): KnownGroup => ({
  id,
  group,
  presentIn,
  rivals,
  note: null,
  addedBy: 'Greta Gren',
  addedAt: '2025-03-01T08:00:00.000Z',
});

describe('the affiliation in the referral', () => {
  it("is required where the receiving municipality's terms set rivalCheck, naming the rule and seed 004's source", () => {
    expect(() => assertAffiliationStated(a, 'goteborg', affiliation, '2025-03-03')).not.toThrow();
    expect(() =>
      assertAffiliationStated(a, 'goteborg', { ...affiliation, groups: [] }, '2025-03-03'),
    ).not.toThrow();
    expect(codeOf(() => assertAffiliationStated(a, 'goteborg', null, '2025-03-03'))).toBe(
      'ERR_GROUP_AFFILIATION_MISSING',
    );
    expect(() => assertAffiliationStated(a, 'goteborg', null)).toThrow(
      /goteborg's terms require the person's group affiliation .*: Stadsledningskontorets tjänsteutlåtande .*dnr 0952\/18.*"En ökad samordning med polisen är ett annat område som kan utvecklas, så att avhoppare från rivaliserande gäng inte placeras i samma kommun eller i grannkommuner"/,
    );
    // Malmö's terms do not set it: none is needed.
    expect(() => assertAffiliationStated(a, 'malmo', null, '2025-03-03')).not.toThrow();
  });

  it('is assessed on or before the referral, whatever the terms', () => {
    expect(codeOf(() => assertAffiliationStated(a, 'malmo', affiliation, '2025-02-23'))).toBe(
      'ERR_PRECONDITION_DATE',
    );
  });

  it('is validated: distinct names, none blank, at most 16', () => {
    expect(validateAffiliation(affiliation, 'f')).toEqual(affiliation);
    expect(validateAffiliation(null, 'f')).toBeNull();
    expect(() => validateAffiliation({ ...affiliation, groups: ['A', ' a '] }, 'f')).toThrow(
      /f\.groups lists an item twice/,
    );
    expect(() => validateAffiliation({ ...affiliation, groups: ['  '] }, 'f')).toThrow(/f\.groups\[0\]/);
    const many = Array.from({ length: 17 }, (_, i) => `G${i}`);
    expect(codeOf(() => validateAffiliation({ ...affiliation, groups: many }, 'f'))).toBe('ERR_MALFORMED');
    expect(() => validateAffiliation({ ...affiliation, members: [] }, 'f')).toThrow(/f\.members/);
  });
});

describe('the check in the acceptance', () => {
  it('is required in an acceptance where the terms set rivalCheck; a decline needs none', () => {
    expect(() => assertRivalChecked(a, 'goteborg', 'accept', noConflict, '2025-03-03')).not.toThrow();
    expect(codeOf(() => assertRivalChecked(a, 'goteborg', 'accept', null, '2025-03-03'))).toBe(
      'ERR_RIVAL_CHECK_MISSING',
    );
    expect(() => assertRivalChecked(a, 'goteborg', 'accept', null, '2025-03-03')).toThrow(
      /dnr 0952\/18.*rivaliserande gäng/,
    );
    expect(() => assertRivalChecked(a, 'goteborg', 'decline', null, '2025-03-03')).not.toThrow();
    expect(() => assertRivalChecked(a, 'malmo', 'accept', null, '2025-03-03')).not.toThrow();
    expect(codeOf(() => assertRivalChecked(a, 'malmo', 'accept', noConflict, '2025-03-01'))).toBe(
      'ERR_PRECONDITION_DATE',
    );
  });

  it('holds no conflict, or a conflict with the decision matching the uptake decision', () => {
    expect(validateRivalCheck(noConflict, 'c', 'accept')).toEqual(noConflict);
    const despite = {
      ...noConflict,
      result: 'conflict',
      decision: 'accepted-despite',
      reason: 'Placering i en annan stadsdel',
    };
    expect(validateRivalCheck(despite, 'c', 'accept')).toEqual(despite);
    expect(() => validateRivalCheck({ ...despite, reason: null }, 'c', 'accept')).toThrow(
      /c\.reason must say why/,
    );
    expect(() => validateRivalCheck(despite, 'c', 'decline')).toThrow(/c\.decision must be declined/);
    const declined = { ...despite, decision: 'declined', reason: null };
    expect(validateRivalCheck(declined, 'c', 'decline')).toEqual(declined);
    expect(() => validateRivalCheck({ ...noConflict, decision: 'declined' }, 'c', 'decline')).toThrow(
      /c\.decision must be null/,
    );
    expect(() => validateRivalCheck({ ...noConflict, reason: 'x' }, 'c', 'accept')).toThrow(
      /c\.reason must be null/,
    );
    expect(() => validateRivalCheck({ ...despite, decision: null }, 'c', 'accept')).toThrow(/c\.decision/);
    expect(() => validateRivalCheck({ ...noConflict, groups: ['X'] }, 'c', 'accept')).toThrow(/c\.groups/);
  });
});

describe("the unit's list of known groups", () => {
  it('finds a rival present in the area, whichever side names the rivalry, with names compared in one form', () => {
    const list = [
      entry('e1', 'Nätverk Syd', ['nätverk  norr']),
      entry('e2', 'Nätverk Öst', ['Nätverk Väst'], 'Göteborg'),
      entry('e3', 'Nätverk Norr', ['Nätverk Öst'], 'Stockholm'),
      entry('e4', 'Nätverk Väst', ['Nätverk Syd']),
    ];
    expect(findRivalCollisions(affiliation, list)).toEqual([
      { group: 'Nätverk Norr', rival: 'Nätverk Syd', presentIn: 'Kungälv', entry: 'e1' },
      { group: 'Nätverk Norr', rival: 'Nätverk Öst', presentIn: 'Göteborg', entry: 'e2' },
    ]);
    expect(findRivalCollisions({ ...affiliation, groups: ['Nätverk Mitt'] }, list)).toEqual([]);
    expect(findRivalCollisions({ ...affiliation, groups: [] }, list)).toEqual([]);
    expect(findRivalCollisions(null, list)).toEqual([]);
    expect(groupKey('  Gäng\u00a0X ')).toBe(groupKey('gäng x'));
    expect(groupKey('Å')).toBe(groupKey('A\u030a'));
  });

  it('validates an entry: a group, where, at least one rival other than itself, who added it', () => {
    const input = { group: 'Nätverk Syd', presentIn: 'Kungälv', rivals: ['Nätverk Norr'], addedBy: 'Greta' };
    expect(validateKnownGroupInput(input)).toEqual({ ...input, note: null });
    expect(() => validateKnownGroupInput({ ...input, rivals: [] })).toThrow(/knownGroup\.rivals/);
    expect(() => validateKnownGroupInput({ ...input, rivals: ['nätverk syd'] })).toThrow(
      /cannot name the group itself/,
    );
    expect(() => validateKnownGroupInput({ ...input, presentIn: '' })).toThrow(/knownGroup\.presentIn/);
  });
});

describe('the terms', () => {
  it('rivalCheck is a boolean, false by default; the 2025 template sets it for Göteborg, the 2023 one does not', () => {
    expect(rivalCheckOf(a.terms, 'goteborg')).toBe(true);
    expect(rivalCheckOf(a.terms, 'malmo')).toBe(false);
    const terms = agreementTerms(world.roots, {
      municipalities: MUNICIPALITIES.map((m) =>
        m.id === 'goteborg' ? { ...m, rivalCheck: 'yes' as unknown as boolean } : m,
      ),
    });
    expect(codeOf(() => Agreement.create(terms))).toBe('ERR_MALFORMED');
    const t2025 = agreementTemplate('2025');
    const t2023 = agreementTemplate('2023');
    expect(t2025.municipalities.map((m) => [m.id, rivalCheckOf(t2025, m.id)])).toEqual([
      ['stockholm', false],
      ['goteborg', true],
      ['malmo', false],
    ]);
    expect(t2023.municipalities.some((m) => m.rivalCheck !== undefined)).toBe(false);
  });
});
