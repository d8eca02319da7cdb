/**
 * Suppression (PROTOCOL.md §20.3), checked against a reader who knows every published figure, that
 * `"<5"` is 1–4 and `"x"` any figure from 0, and that the cells sum to their total: by enumerating every
 * assignment of the hidden cells consistent with what is published, independently of the interval
 * arithmetic the suppression itself uses. No small cell may be left with a single possible value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Figure, HIDDEN, pinnedByMonths, published, type RawTable, suppress } from './suppression.js';

const T = 5;

function counts(id: string, values: number[], extra: Partial<RawTable> = {}): RawTable {
  const total = values.reduce((a, b) => a + b, 0);
  return {
    id,
    kind: 'count',
    rows: values.map((v, i) => ({ key: `r${i}`, value: v, cases: v })),
    total: { value: total, cases: total },
    additive: true,
    ...extra,
  };
}

/** The published row figures and total of a single table. */
function publish(values: number[]): { rows: Figure[]; total: Figure | null } {
  const [table] = published(suppress([counts('t', values)], T));
  return { rows: table!.rows.map((r) => r.value), total: table!.total };
}

/** The values a figure may take as a reader sees it, up to `cap`. */
function domain(f: Figure, cap: number): number[] {
  if (typeof f === 'number') return [f];
  const all = Array.from({ length: cap + 1 }, (_, i) => i);
  return f === `<${T}` ? all.filter((v) => v >= 1 && v < T) : all;
}

/**
 * For each cell, every value it can have in some assignment consistent with the published figures
 * (rows summing to the total), by enumeration.
 */
function possibleValues(rows: Figure[], total: Figure | null, cap: number): Set<number>[] {
  const domains = rows.map((f) => domain(f, cap));
  const totals = new Set(
    total === null ? domain(HIDDEN, cap * rows.length) : domain(total, cap * rows.length),
  );
  const out = rows.map(() => new Set<number>());
  const pick: number[] = [];
  const walk = (i: number, sum: number) => {
    if (i === rows.length) {
      if (totals.has(sum)) for (let j = 0; j < pick.length; j++) out[j]!.add(pick[j]!);
      return;
    }
    for (const v of domains[i]!) {
      pick[i] = v;
      walk(i + 1, sum + v);
    }
  };
  walk(0, 0);
  return out;
}

describe('suppression of small cells', () => {
  it('shows 0 and counts from 5, and "<5" for 1 to 4', () => {
    // The four small cells sum to 10, which four figures of 1–4 can make in many ways: nothing more is hidden.
    expect(publish([0, 1, 2, 3, 4, 5, 6, 40])).toEqual({
      rows: [0, '<5', '<5', '<5', '<5', 5, 6, 40],
      total: 61,
    });
  });

  it('hides a second cell when the total would give a single small cell back', () => {
    expect(publish([3, 12, 20])).toEqual({ rows: ['<5', HIDDEN, 20], total: 35 });
  });

  it('hides one more when two small cells could only be 1 and 1 (or 4 and 4)', () => {
    expect(publish([1, 1, 9])).toEqual({ rows: ['<5', '<5', HIDDEN], total: 11 });
    expect(publish([4, 4, 9])).toEqual({ rows: ['<5', '<5', HIDDEN], total: 17 });
    // 2 and 3 can be 1 and 4, 2 and 3, …: nothing more is hidden.
    expect(publish([2, 3, 9])).toEqual({ rows: ['<5', '<5', 9], total: 14 });
  });

  it('hides the total itself when it is small, and widens the cells when they would be pinned', () => {
    expect(publish([0, 3, 0])).toEqual({ rows: [0, '<5', 0], total: '<5' });
    // Four cells of 1 under a total of "<5" can only be 1 each: they are widened to "x".
    const four = publish([1, 1, 1, 1]);
    expect(four.rows.some((r) => r === HIDDEN)).toBe(true);
    const values = possibleValues(four.rows, four.total, 8);
    expect(values.every((v) => v.size > 1)).toBe(true);
  });

  it('leaves no small cell with a single possible value, for any table (enumerated)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }), (values) => {
        const { rows, total } = publish(values);
        const cap = Math.max(
          values.reduce((a, b) => a + b, 0),
          T,
        );
        const possible = possibleValues(rows, total, cap);
        values.forEach((v, i) => {
          if (v >= 1 && v < T) expect(possible[i]!.size, `cell ${i} of ${values}`).toBeGreaterThan(1);
          // What is published is true: the real value is among those a reader allows.
          expect(possible[i]!.has(v)).toBe(true);
        });
        if (typeof total === 'number') expect(total).toBe(values.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('hides amounts that cover fewer than 5 cases, and one more under a known total', () => {
    const amounts: RawTable = {
      id: 'costs',
      kind: 'amount',
      rows: [
        { key: 'krisstod', value: 48_000, cases: 2 },
        { key: 'kontaktperson', value: 90_000, cases: 6 },
        { key: 'boendestod', value: 150_000, cases: 7 },
      ],
      total: { value: 288_000, cases: 9 },
      additive: true,
    };
    const [table] = published(suppress([amounts], T));
    expect(table!.rows.map((r) => r.value)).toEqual([HIDDEN, HIDDEN, 150_000]);
    expect(table!.total).toBe(288_000);
  });

  it('audits tables that share a total together: the outcome measures of the closures', () => {
    // Six closures, all shown by reason; "left the group" is yes 1, no 1, unknown 4: with the six known,
    // the 1s would be pinned.
    const closures = counts('closures', [6, 0]);
    const outcome: RawTable = { ...counts('outcome', [1, 1, 4, 0]), total: null, sumOf: 'closures' };
    const [c, o] = published(suppress([closures, outcome], T));
    expect(c!.total).toBe(6);
    expect(o!.total).toBeNull();
    const possible = possibleValues(
      o!.rows.map((r) => r.value),
      c!.total,
      6,
    );
    expect(possible[0]!.size).toBeGreaterThan(1);
    expect(possible[1]!.size).toBeGreaterThan(1);
  });

  it('hides a figure of a longer period whose months would give a small monthly figure back', () => {
    // Referrals from one city: 3 in January (published "<5"), 6 in each of February and March.
    const monthly = [3, 6, 6].map((v) => suppress([counts('sent', [v, 10])], T));
    expect(published(monthly[0]!)[0]!.rows[0]!.value).toBe('<5');
    const quarter = suppress([counts('sent', [15, 30])], T);
    // 15 − 6 − 6 = 3: the quarter's 15 must not be published.
    const pinned = pinnedByMonths(quarter, monthly);
    expect([...pinned]).toEqual(['sent\u0000r0']);
    const fixed = published(suppress([counts('sent', [15, 30])], T, pinned))[0]!;
    expect(fixed.rows[0]!.value).toBe(HIDDEN);
    // And the quarter's total does not give it back either: another figure is hidden.
    expect(fixed.rows[1]!.value === HIDDEN || fixed.total === HIDDEN).toBe(true);
    // With two small months the sum leaves each of them open: nothing is forced.
    const two = [3, 2, 6].map((v) => suppress([counts('sent', [v, 10])], T));
    expect(pinnedByMonths(suppress([counts('sent', [11, 30])], T), two).size).toBe(0);
  });
});
