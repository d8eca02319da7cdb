/** The hash-chained case log (PROTOCOL.md §13): chain checks, reordering, forks, replays, splices. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { toBase64url, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { BryggaError } from '../errors.js';
import { CaseLog, type ChainLink, verifyChain } from './case-log.js';

const CASE = 'AAAAAAAAAAAAAAAAAAAAAA';
const HOME = 'stockholm-jarva';
const RECV = 'malmo';

function h(label: string): string {
  return toBase64url(sha256(utf8(label)));
}

/** A valid chain of `n` links, alternating senders after the home unit's first. */
function chain(n: number, caseId = CASE, salt = ''): ChainLink[] {
  const out: ChainLink[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      hash: h(`${caseId}${salt}${i}`),
      prev: i === 0 ? null : out[i - 1]!.hash,
      case: caseId,
      unit: i % 2 ? RECV : HOME,
    });
  }
  return out;
}

/** Reducer: the state is the list of hashes applied; links whose unit is "refused" break a rule. */
const reducer = (state: string[] | undefined, e: ChainLink): string[] => {
  if (e.unit === 'refused') throw new BryggaError('ERR_INVALID_TRANSITION', 'refused by the rules');
  return [...(state ?? []), e.hash];
};

describe('verifyChain', () => {
  it('accepts a valid chain, and checks its head', () => {
    const c = chain(5);
    expect(codeOf(() => verifyChain(CASE, c))).toBe('ok');
    expect(codeOf(() => verifyChain(CASE, c, c[4]!.hash))).toBe('ok');
    expect(codeOf(() => verifyChain(CASE, c.slice(0, 4), c[4]!.hash))).toBe('ERR_CASE_GAP');
  });

  it('names each kind of damage', () => {
    const c = chain(4);
    expect(codeOf(() => verifyChain(CASE, [c[0]!, c[2]!, c[1]!, c[3]!]))).toBe('ERR_CASE_ORDER');
    expect(codeOf(() => verifyChain(CASE, [c[0]!, c[1]!, c[1]!, c[2]!]))).toBe('ERR_REPLAY');
    expect(codeOf(() => verifyChain(CASE, [c[0]!, c[2]!, c[3]!]))).toBe('ERR_CASE_GAP');
    const other = chain(3, 'BBBBBBBBBBBBBBBBBBBBBB');
    expect(codeOf(() => verifyChain(CASE, [c[0]!, { ...other[1]!, prev: c[0]!.hash }]))).toBe(
      'ERR_CASE_SPLICE',
    );
    const sibling = { hash: h('sibling'), prev: c[0]!.hash, case: CASE, unit: RECV };
    expect(codeOf(() => verifyChain(CASE, [c[0]!, c[1]!, sibling]))).toBe('ERR_CASE_FORK');
    const secondRoot = { hash: h('root2'), prev: null, case: CASE, unit: HOME };
    expect(codeOf(() => verifyChain(CASE, [c[0]!, secondRoot]))).toBe('ERR_CASE_FORK');
  });

  it('detects every non-identity permutation (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 12 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
            ),
          ),
        ([n, order]) => {
          fc.pre(order.some((v, i) => v !== i));
          const c = chain(n);
          return (
            codeOf(() =>
              verifyChain(
                CASE,
                order.map((i) => c[i]!),
              ),
            ) !== 'ok'
          );
        },
      ),
    );
  });

  it('detects any duplication and any removal but of the last, and that too against the head (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.nat(), (n, a, b) => {
        const c = chain(n);
        const dupAt = a % n;
        const insertAt = b % (n + 1);
        const duplicated = [...c.slice(0, insertAt), c[dupAt]!, ...c.slice(insertAt)];
        const removed = c.filter((_, i) => i !== dupAt);
        const head = c[n - 1]!.hash;
        const removedCode = codeOf(() => verifyChain(CASE, removed, head));
        return (
          codeOf(() => verifyChain(CASE, duplicated)) === 'ERR_REPLAY' &&
          removedCode === 'ERR_CASE_GAP' &&
          (dupAt === n - 1 || codeOf(() => verifyChain(CASE, removed)) === 'ERR_CASE_GAP')
        );
      }),
    );
  });

  it('detects a link of another case anywhere (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.nat(), (n, at) => {
        const c = chain(n);
        const i = at % n;
        const spliced = c.map((l, j) => (j === i ? { ...l, case: 'BBBBBBBBBBBBBBBBBBBBBB' } : l));
        return codeOf(() => verifyChain(CASE, spliced)) === 'ERR_CASE_SPLICE';
      }),
    );
  });
});

describe('CaseLog', () => {
  it('applies a chain in order and reports nothing', () => {
    const log = new CaseLog(CASE, reducer);
    for (const l of chain(4)) {
      const r = log.offer(l);
      expect(r.outcome).toBe('applied');
      expect(r.error).toBeUndefined();
    }
    expect(log.state).toEqual(chain(4).map((l) => l.hash));
    expect(log.head).toBe(chain(4)[3]!.hash);
  });

  it('holds a packet whose predecessor is missing (ERR_CASE_GAP) and applies it when the gap closes', () => {
    const c = chain(4);
    const log = new CaseLog(CASE, reducer);
    log.offer(c[0]!);
    const early = log.offer(c[2]!);
    expect(early.outcome).toBe('held');
    expect(early.error?.code).toBe('ERR_CASE_GAP');
    expect(log.state).toEqual([c[0]!.hash]);
    const fill = log.offer(c[1]!);
    expect(fill.applied.map((e) => e.hash)).toEqual([c[1]!.hash, c[2]!.hash]);
    expect(log.state).toEqual(c.slice(0, 3).map((l) => l.hash));
  });

  it('ends in the same state whatever the delivery order, with duplicates refused as replays (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.array(fc.nat({ max: n - 1 }), { minLength: n, maxLength: 3 * n })),
          ),
        ([n, deliveries]) => {
          const c = chain(n);
          const order = [...deliveries, ...c.keys()];
          const log = new CaseLog(CASE, reducer);
          const seen = new Set<number>();
          for (const i of order) {
            const r = log.offer(c[i]!);
            if (seen.has(i) && r.error?.code !== 'ERR_REPLAY') return false;
            if (!seen.has(i) && r.outcome === 'rejected') return false;
            seen.add(i);
          }
          return JSON.stringify(log.state) === JSON.stringify(c.map((l) => l.hash)) && log.held.length === 0;
        },
      ),
    );
  });

  it('refuses a splice from another case and leaves the log unchanged', () => {
    const log = new CaseLog(CASE, reducer);
    const c = chain(2);
    log.offer(c[0]!);
    const foreign = { ...chain(2, 'BBBBBBBBBBBBBBBBBBBBBB')[1]!, prev: c[0]!.hash };
    const r = log.offer(foreign);
    expect(r.outcome).toBe('rejected');
    expect(r.error?.code).toBe('ERR_CASE_SPLICE');
    expect(log.chain).toHaveLength(1);
  });

  it('refuses a packet the rules refuse without changing anything', () => {
    const log = new CaseLog(CASE, reducer);
    const c = chain(2);
    log.offer(c[0]!);
    const r = log.offer({ ...c[1]!, unit: 'refused' });
    expect(r.outcome).toBe('rejected');
    expect(r.error?.code).toBe('ERR_INVALID_TRANSITION');
    expect(log.chain).toHaveLength(1);
    expect(log.has(c[1]!.hash)).toBe(false);
    expect(log.offer(c[1]!).outcome).toBe('applied');
  });

  describe('forks', () => {
    const c = chain(2);
    const fromReceiving = { hash: h('r-branch'), prev: c[1]!.hash, case: CASE, unit: RECV };
    const fromHome = { hash: h('h-branch'), prev: c[1]!.hash, case: CASE, unit: HOME };
    const childOfReceiving = { hash: h('r-child'), prev: fromReceiving.hash, case: CASE, unit: RECV };

    it('the home unit wins a fork with the receiving unit, in either arrival order', () => {
      for (const order of [
        [fromReceiving, fromHome],
        [fromHome, fromReceiving],
      ]) {
        const log = new CaseLog(CASE, reducer);
        log.offer(c[0]!);
        log.offer(c[1]!);
        const first = log.offer(order[0]!);
        const second = log.offer(order[1]!);
        expect(log.head).toBe(fromHome.hash);
        expect(log.superseded.map((e) => e.hash)).toEqual([fromReceiving.hash]);
        const report = order[0] === fromHome ? second : first.outcome === 'applied' ? second : first;
        expect(report.error?.code).toBe('ERR_CASE_FORK');
      }
    });

    it('sets aside the losing branch with its descendants, and refuses later descendants', () => {
      const log = new CaseLog(CASE, reducer);
      for (const l of [c[0]!, c[1]!, fromReceiving, childOfReceiving]) log.offer(l);
      const r = log.offer(fromHome);
      expect(r.outcome).toBe('applied');
      expect(r.error?.code).toBe('ERR_CASE_FORK');
      expect(r.superseded.map((e) => e.hash)).toEqual([fromReceiving.hash, childOfReceiving.hash]);
      expect(log.state).toEqual([c[0]!.hash, c[1]!.hash, fromHome.hash]);
      const late = log.offer({ hash: h('late'), prev: childOfReceiving.hash, case: CASE, unit: RECV });
      expect(late.outcome).toBe('rejected');
      expect(late.error?.code).toBe('ERR_CASE_FORK');
    });

    it('between packets of the same unit, the smaller hash wins', () => {
      const a = { hash: h('a1'), prev: c[1]!.hash, case: CASE, unit: HOME };
      const b = { hash: h('b1'), prev: c[1]!.hash, case: CASE, unit: HOME };
      const [small] = [a, b].sort((x, y) => (x.hash < y.hash ? -1 : 1));
      for (const order of [
        [a, b],
        [b, a],
      ]) {
        const log = new CaseLog(CASE, reducer);
        for (const l of [c[0]!, c[1]!, ...order]) log.offer(l);
        expect(log.head).toBe(small!.hash);
      }
    });

    it('restores from stored standings to the same log', () => {
      const log = new CaseLog(CASE, reducer);
      for (const l of [c[0]!, c[1]!, fromReceiving, fromHome]) log.offer(l);
      const held = { hash: h('held'), prev: h('missing'), case: CASE, unit: RECV };
      log.offer(held);
      const restored = CaseLog.restore(CASE, reducer, [
        ...log.chain.map((entry) => ({ entry, status: 'applied' as const })),
        ...log.held.map((entry) => ({ entry, status: 'held' as const })),
        ...log.superseded.map((entry) => ({ entry, status: 'superseded' as const })),
      ]);
      expect(restored.state).toEqual(log.state);
      expect(restored.offer(fromReceiving).error?.code).toBe('ERR_REPLAY');
      expect(restored.offer(held).error?.code).toBe('ERR_REPLAY');
    });
  });
});
