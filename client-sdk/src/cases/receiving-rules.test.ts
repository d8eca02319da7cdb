/**
 * The receiving city's rules as pure checks (PROTOCOL.md §14.5 and the rules after it): each refuses
 * with its own code, naming the rule and its source document.
 */
import { describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { agreementTerms, makeWorld } from '../../../test/support/fixtures.js';
import { Agreement } from '../directory/agreement.js';
import { assertOffered } from './rules.js';

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
