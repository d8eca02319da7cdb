import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import { Agreement, type AgreementTerms } from './agreement.js';
import { Directory } from './directory.js';
import { enrolDevice, publishHpkeKey, revokeDevice } from './statements.js';
import { isRootKeyChange, type RootKeyAlert, signRootChange } from './trust-chain.js';

const now = new Date('2025-03-01T10:00:00Z');
const later = new Date('2025-09-01T10:00:00Z');
const S = 'stockholm-jarva';
const G = 'goteborg-nordost';
const M = 'malmo';

function terms(
  roots: Partial<Record<string, SigningKeyPair>>,
  sequence: number,
  supersedes: string | null,
): AgreementTerms {
  const municipality: Record<string, string> = {
    [S]: 'stockholm',
    [G]: 'goteborg',
    [M]: 'malmo',
    uppsala: 'malmo',
  };
  return {
    v: 1,
    kind: 'brygga.agreement',
    id: 'avhoppare-storstad',
    sequence,
    supersedes,
    title: 'Avtal om samverkan för insatser till avhoppare',
    period: { from: '2025-01-01', to: '2026-12-31' },
    municipalities: [
      { id: 'stockholm', name: 'Stockholms stad', quota: { outgoing: 2, incoming: 2 } },
      { id: 'goteborg', name: 'Göteborgs stad', quota: { outgoing: 2, incoming: 2 } },
      { id: 'malmo', name: 'Malmö stad', quota: { outgoing: 2, incoming: 2 } },
    ],
    parties: Object.entries(roots).map(([unit, key]) => ({
      unit,
      municipality: municipality[unit]!,
      name: unit,
      rootKey: key!.publicKey.serialize(),
    })),
    catalogue: [{ code: 'krisstod', name: 'Krisstöd' }],
    admits: { categories: ['avhoppare'], threatLevels: ['low', 'high'] },
  };
}

function signed(t: AgreementTerms, keys: SigningKeyPair[]): Agreement {
  return keys.reduce((a, k) => a.sign(k), Agreement.create(t));
}

/**
 * The chain of the observed attack: A1 (Stockholm, Göteborg, Malmö); A2 drops Malmö (signed by
 * Stockholm and Göteborg, a majority); A3 re-adds `malmo` under a root key of its signers' choosing.
 */
function chain() {
  const roots = {
    [S]: SigningKeyPair.generate(),
    [G]: SigningKeyPair.generate(),
    [M]: SigningKeyPair.generate(),
  };
  const impostor = SigningKeyPair.generate();
  const a1 = signed(terms(roots, 1, null), Object.values(roots));
  const a2 = signed(terms({ [S]: roots[S], [G]: roots[G] }, 2, a1.digest), [roots[S], roots[G]]);
  const withRoot = (malmoRoot: SigningKeyPair) =>
    signed(terms({ [S]: roots[S], [G]: roots[G], [M]: malmoRoot }, 3, a2.digest), [
      roots[S],
      roots[G],
      malmoRoot,
    ]);
  return { roots, impostor, a1, a2, a3: withRoot(impostor), withRoot };
}

function device(root: SigningKeyPair, unit: string, at = now) {
  const key = SigningKeyPair.generate();
  const hpke = HpkeKeyPair.generate();
  return {
    key,
    hpke,
    enrolment: enrolDevice(root, { unit, key: key.publicKey, name: `${unit} dator`, now: at }),
    publication: publishHpkeKey(key, { unit, key: hpke.publicKey, now: at, lifetimeSeconds: 400 * 86_400 }),
  };
}

describe('a unit that left the chain comes back only with its own root key', () => {
  it('refuses the re-added unit under another root, with a typed error and one alert', () => {
    const { roots, impostor, a1, a2, a3 } = chain();
    // Judged against its predecessor alone, A3 looks fine: A2 does not know Malmö.
    expect(a2.verifySuccessor(a3).digest).toBe(a3.digest);

    const alerts: RootKeyAlert[] = [];
    const dir = new Directory(a1, { onAlert: (a) => alerts.push(a) });
    dir.addAgreement(a2);
    let refusal: unknown;
    try {
      dir.addAgreement(a3);
    } catch (err) {
      refusal = err;
    }
    expect(isRootKeyChange(refusal)).toBe(true);
    expect(codeOf(() => dir.addAgreement(a3))).toBe('ERR_AGREEMENT_INVALID');
    expect(dir.agreements.map((a) => a.terms.sequence)).toEqual([1, 2]);
    const expected = {
      unit: M,
      agreement: a3.digest,
      sequence: 3,
      knownRoot: roots[M].publicKey.serialize(),
      offeredRoot: impostor.publicKey.serialize(),
      heldBy: null,
      knownSafetyNumber: roots[M].publicKey.safetyNumber(M),
      offeredSafetyNumber: impostor.publicKey.safetyNumber(M),
    };
    expect((refusal as { alert: RootKeyAlert }).alert).toEqual(expected);
    // Refused twice, alerted once.
    expect(alerts).toEqual([expected]);
    expect(dir.alerts).toEqual([expected]);

    // Nothing the impostor root signs is accepted, so nothing is sealed to its devices.
    const planted = device(impostor, M);
    expect(codeOf(() => dir.apply(planted.enrolment))).toBe('ERR_NOT_IN_AGREEMENT');
    expect(codeOf(() => dir.recipientsFor([M], now))).toBe('ERR_NOT_IN_AGREEMENT');
  });

  it('refuses a root key passing from one unit to another', () => {
    const { roots, a1, a2 } = chain();
    // Malmö's old root key turns up as the root of a new unit.
    const a3 = signed(terms({ [S]: roots[S], [G]: roots[G], uppsala: roots[M] }, 3, a2.digest), [
      roots[S],
      roots[G],
      roots[M],
    ]);
    const dir = new Directory(a1);
    dir.addAgreement(a2);
    expect(codeOf(() => dir.addAgreement(a3))).toBe('ERR_AGREEMENT_INVALID');
    expect(dir.alerts[0]).toMatchObject({ unit: 'uppsala', heldBy: M, knownRoot: null });
  });

  it('accepts the change with a hand pin; what the old root signed no longer counts', () => {
    const { roots, a1, a2, withRoot } = chain();
    const newRoot = SigningKeyPair.generate();
    const a3 = withRoot(newRoot);
    const old = device(roots[M], M);
    const dir = new Directory(a1);
    dir.applyAll([old.enrolment, old.publication]);
    dir.addAgreement(a2);
    expect(codeOf(() => dir.addAgreement(a3))).toBe('ERR_AGREEMENT_INVALID');
    // The administrators compared the new key's safety number; Stockholm's pins it.
    dir.pinRootKey({ unit: M, from: roots[M].publicKey.serialize(), to: newRoot.publicKey.serialize() });
    dir.addAgreement(a3);
    expect(dir.agreement.digest).toBe(a3.digest);
    expect(dir.device(old.key.kid)).toBeUndefined();
    expect(dir.statements).toEqual([]);
    const fresh = device(newRoot, M, later);
    dir.applyAll([fresh.enrolment, fresh.publication]);
    expect(dir.recipientsFor([M], later).map((r) => r.device)).toEqual([fresh.key.kid]);
    // The old root can enrol nothing more.
    expect(codeOf(() => dir.apply(device(roots[M], M, later).enrolment))).toBe('ERR_NOT_IN_AGREEMENT');
  });

  it('accepts the change with a root change signed by the old root, and refuses forged ones', () => {
    const { roots, impostor, a1, a2, withRoot } = chain();
    const newRoot = SigningKeyPair.generate();
    const dir = new Directory(a1);
    dir.addAgreement(a2);
    const change = (by: SigningKeyPair, agreement = 'avhoppare-storstad', to = newRoot) =>
      signRootChange(by, { agreement, unit: M, to: to.publicKey, now });
    expect(codeOf(() => dir.acceptRootChange(change(impostor)))).toBe('ERR_NOT_IN_AGREEMENT');
    expect(codeOf(() => dir.acceptRootChange(change(roots[M], 'annat-avtal')))).toBe('ERR_MALFORMED');
    // Stockholm's root signing Malmö's change: signed by a root, but not Malmö's.
    expect(codeOf(() => dir.acceptRootChange(change(roots[S])))).toBe('ERR_MALFORMED');
    const forged = change(roots[M]).split('.');
    forged[2] = change(roots[M], 'avhoppare-storstad', impostor).split('.')[2]!;
    expect(codeOf(() => dir.acceptRootChange(forged.join('.')))).toBe('ERR_CRYPTO');
    expect(dir.pins).toEqual([]);
    // Malmö's administrator, holding the old root, vouches for the new one.
    const pin = dir.acceptRootChange(change(roots[M]));
    expect(pin).toEqual({ unit: M, from: roots[M].publicKey.serialize(), to: newRoot.publicKey.serialize() });
    expect(codeOf(() => dir.addAgreement(withRoot(impostor)))).toBe('ERR_AGREEMENT_INVALID');
    dir.addAgreement(withRoot(newRoot));
    expect(dir.rootKeyOf(M).kid).toBe(newRoot.kid);
  });
});

describe('one directory from the same inputs, whatever the order', () => {
  /** A history: agreements with a pinned root change, and statements as the relay accepted them. */
  function history() {
    const { roots, a1, a2, withRoot } = chain();
    const newRoot = SigningKeyPair.generate();
    const a3 = withRoot(newRoot);
    const pins = [{ unit: M, from: roots[M].publicKey.serialize(), to: newRoot.publicKey.serialize() }];
    const s = device(roots[S], S);
    const g = device(roots[G], G);
    const m = device(roots[M], M);
    const m2 = device(newRoot, M, later);
    const g2 = device(roots[G], G, later);
    // `after` is how many agreements the relay had installed when it accepted each statement.
    const statements: { jws: string; after: number }[] = [
      { jws: s.enrolment, after: 1 },
      { jws: s.publication, after: 1 },
      { jws: m.enrolment, after: 1 },
      { jws: g.enrolment, after: 1 },
      { jws: m.publication, after: 1 },
      { jws: g.publication, after: 2 },
      { jws: g2.enrolment, after: 2 },
      { jws: revokeDevice(roots[G], { unit: G, device: g.key.kid, reason: 'stulen', now: later }), after: 2 },
      { jws: m2.enrolment, after: 3 },
      { jws: m2.publication, after: 3 },
      { jws: g2.publication, after: 3 },
    ];
    return { agreements: [a1, a2, a3], pins, statements };
  }

  function rebuild(h: ReturnType<typeof history>): Directory {
    const dir = new Directory(h.agreements[0]!, { pins: h.pins });
    for (const a of h.agreements.slice(1)) dir.addAgreement(a);
    for (const { jws } of h.statements) {
      try {
        dir.apply(jws);
      } catch {
        // As a client rebuilding from its store: a statement that no longer applies is skipped.
      }
    }
    return dir;
  }

  it('a rebuild from the stored chain equals the directory built as things arrived', () => {
    const h = history();
    const incremental = new Directory(h.agreements[0]!, { pins: h.pins });
    let installed = 1;
    for (const { jws, after } of h.statements) {
      while (installed < after) incremental.addAgreement(h.agreements[installed++]!);
      incremental.apply(jws);
    }
    const rebuilt = rebuild(h);
    expect(rebuilt.snapshot()).toEqual(incremental.snapshot());
    // And the change took: Malmö's old device is gone, the new one is there.
    const snap = rebuilt.snapshot();
    expect(snap.roots.find((r) => r.unit === M)?.rootKey).toBe(h.pins[0]!.to);
    expect(snap.devices.filter((d) => d.unit === M)).toHaveLength(1);
    expect(snap.statements).not.toContain(h.statements[2]!.jws);
  });

  it('the same for every order that keeps each statement after the agreements it rests on (property)', () => {
    const h = history();
    const expected = rebuild(h).snapshot();
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 2 }), { minLength: h.statements.length, maxLength: h.statements.length }),
        (delays) => {
          // Each statement may arrive with any number of agreements installed, as long as it is at least
          // the number it rests on; agreements are installed in order.
          const dir = new Directory(h.agreements[0]!, { pins: h.pins });
          let installed = 1;
          h.statements.forEach(({ jws, after }, i) => {
            const want = Math.min(3, Math.max(after, installed + delays[i]! - 1));
            while (installed < want) dir.addAgreement(h.agreements[installed++]!);
            try {
              dir.apply(jws);
            } catch {
              // Refused here as in the rebuild: an old-root statement once the change is in.
            }
          });
          while (installed < 3) dir.addAgreement(h.agreements[installed++]!);
          expect(dir.snapshot()).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
