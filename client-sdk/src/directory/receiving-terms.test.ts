/**
 * The receiving terms of the agreement (PROTOCOL.md §5.5): optional members of `municipalities[]`,
 * validated against the catalogue, with their defaults.
 */
import { describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { agreementTerms, makeWorld } from '../../../test/support/fixtures.js';
import { Agreement, type Municipality } from './agreement.js';
import { offeredServices } from './receiving-terms.js';

const world = makeWorld();

/** Terms whose Malmö entry is `malmo`. */
function withMalmo(malmo: Partial<Municipality> & Record<string, unknown>) {
  return agreementTerms(world.roots, {
    municipalities: MUNICIPALITIES.map((m) => (m.id === 'malmo' ? { ...m, ...malmo } : m)),
  });
}

describe("a municipality's own offer (offers)", () => {
  it('defaults to the whole catalogue, and lists only catalogue codes when given', () => {
    const all = Agreement.create(agreementTerms(world.roots));
    expect(offeredServices(all.terms, 'malmo')).toEqual(all.terms.catalogue.map((c) => c.code));
    const some = Agreement.create(withMalmo({ offers: ['krisstod', 'kontaktperson'] }));
    expect(offeredServices(some.terms, 'malmo')).toEqual(['krisstod', 'kontaktperson']);
    expect(offeredServices(some.terms, 'goteborg')).toEqual(all.terms.catalogue.map((c) => c.code));
  });

  it('an unknown or repeated code, or an unknown member, makes the agreement malformed', () => {
    expect(() => Agreement.create(withMalmo({ offers: ['hemtjanst'] }))).toThrow(
      'municipalities[2].offers names a service not in the catalogue',
    );
    expect(() => Agreement.create(withMalmo({ offers: ['krisstod', 'krisstod'] }))).toThrow(
      'municipalities[2].offers lists a service twice',
    );
    expect(() => Agreement.create(withMalmo({ offers: 'krisstod' as never }))).toThrow(
      'municipalities[2].offers must be an array',
    );
    expect(codeOf(() => Agreement.create(withMalmo({ procures: [] })))).toBe('ERR_MALFORMED');
  });
});
