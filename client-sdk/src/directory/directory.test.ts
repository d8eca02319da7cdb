import { describe, expect, it } from 'vitest';
import { agreementTerms, party } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { decodeCompact, signCompact } from '../crypto/jws.js';
import { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import { Agreement, type AgreementTerms, REPORTING_DEFAULTS, reportingTerms } from './agreement.js';
import { Directory } from './directory.js';
import { enrolDevice, HPKE_KEY_TYP, publishHpkeKey, revokeDevice } from './statements.js';

const roots = {
  'stockholm-jarva': SigningKeyPair.generate(),
  'goteborg-nordost': SigningKeyPair.generate(),
  malmo: SigningKeyPair.generate(),
};

function terms(overrides: Partial<AgreementTerms> = {}): AgreementTerms {
  return agreementTerms(
    (['stockholm-jarva', 'goteborg-nordost', 'malmo'] as const).map((u) => party(u, roots[u].publicKey)),
    {
      period: { from: '2025-01-01', to: '2025-12-31' },
      catalogue: [{ code: 'krisstod', name: 'Krisstöd' }],
      ...overrides,
    },
  );
}

function signedBy(agreement: Agreement, keys: SigningKeyPair[]): Agreement {
  return keys.reduce((a, k) => a.sign(k), agreement);
}

describe('agreement', () => {
  const all = Object.values(roots);

  it('verifies only when every party has signed, and survives serialisation', () => {
    const draft = Agreement.create(terms());
    expect(codeOf(() => draft.verify())).toBe('ERR_AGREEMENT_INVALID');
    const partial = signedBy(draft, all.slice(0, 2));
    expect(partial.missingSignatures().map((p) => p.unit)).toEqual(['malmo']);
    expect(codeOf(() => partial.verify())).toBe('ERR_AGREEMENT_INVALID');
    const full = signedBy(draft, all);
    const back = Agreement.deserialize(full.serialize()).verify();
    expect(back.digest).toBe(full.digest);
    expect(back.rootKeyOf('malmo')?.kid).toBe(roots.malmo.kid);
  });

  it('refuses a signature by a non-party and a duplicated or altered signature', () => {
    const draft = Agreement.create(terms());
    expect(codeOf(() => draft.sign(SigningKeyPair.generate()))).toBe('ERR_NOT_IN_AGREEMENT');
    const full = signedBy(draft, all);
    const dup = { ...full.jws, signatures: [...full.jws.signatures, full.jws.signatures[0]!] };
    expect(codeOf(() => Agreement.deserialize(dup).verify())).toBe('ERR_AGREEMENT_INVALID');
    // Swap the payload for other terms while keeping the signatures.
    const other = Agreement.create(terms({ title: 'Ändrat avtal' }));
    const swapped = { payload: other.jws.payload, signatures: full.jws.signatures };
    expect(codeOf(() => Agreement.deserialize(swapped).verify())).toBe('ERR_AGREEMENT_INVALID');
  });

  it('validates terms with clear errors', () => {
    expect(codeOf(() => Agreement.create({ ...terms(), parties: terms().parties.slice(0, 1) }))).toBe(
      'ERR_MALFORMED',
    );
    expect(
      codeOf(() => Agreement.create({ ...terms(), period: { from: '2025-12-31', to: '2025-01-01' } })),
    ).toBe('ERR_MALFORMED');
    expect(codeOf(() => Agreement.create({ ...terms(), v: 2 as 1 }))).toBe('ERR_UNSUPPORTED_VERSION');
    expect(codeOf(() => Agreement.deserialize('{'))).toBe('ERR_MALFORMED');
  });

  it('reads the reporting terms (PROTOCOL.md §5.3): defaults for what is left out, ranges checked', () => {
    expect(reportingTerms(Agreement.create(terms()))).toEqual(REPORTING_DEFAULTS);
    expect(REPORTING_DEFAULTS).toMatchObject({
      suppressionThreshold: 5,
      retentionYears: 5,
      decisionDays: 14,
    });
    const some = Agreement.create(
      terms({ reporting: { retentionYears: 7, reconciliationIntervalMonths: 3 } }),
    );
    expect(reportingTerms(some)).toEqual({
      ...REPORTING_DEFAULTS,
      retentionYears: 7,
      reconciliationIntervalMonths: 3,
    });
    // The terms travel signed: a document read back holds the same terms.
    expect(reportingTerms(Agreement.deserialize(signedBy(some, all).serialize()))).toEqual(
      reportingTerms(some),
    );
    for (const bad of [
      { suppressionThreshold: 2 },
      { retentionYears: 0 },
      { reconciliationIntervalMonths: 4 },
      { decisionDays: 1.5 },
      { consentExpiryWarningDays: -1 },
      { unknownTerm: 1 },
    ]) {
      expect(codeOf(() => Agreement.create(terms({ reporting: bad as never })))).toBe('ERR_MALFORMED');
    }
    expect(codeOf(() => Agreement.create(terms({ reporting: [] as never })))).toBe('ERR_MALFORMED');
  });

  it('accepts an extension that continuing parties signed, and refuses a hijack', () => {
    const v1 = signedBy(Agreement.create(terms()), all);
    const farsta = SigningKeyPair.generate();
    const t2 = terms({
      sequence: 2,
      supersedes: v1.digest,
      period: { from: '2026-01-01', to: '2026-12-31' },
    });
    t2.parties = [
      ...t2.parties,
      {
        unit: 'stockholm-farsta',
        municipality: 'stockholm',
        name: 'Farsta',
        rootKey: farsta.publicKey.serialize(),
      },
    ];
    const v2 = signedBy(Agreement.create(t2), [...all, farsta]);
    expect(v1.verifySuccessor(v2).digest).toBe(v2.digest);

    // An attacker's "successor" with their own keys for every party.
    const fakes = [SigningKeyPair.generate(), SigningKeyPair.generate()];
    const hijack = terms({ sequence: 2, supersedes: v1.digest });
    hijack.parties = [
      { unit: 'evil-a', municipality: 'stockholm', name: 'A', rootKey: fakes[0]!.publicKey.serialize() },
      { unit: 'evil-b', municipality: 'malmo', name: 'B', rootKey: fakes[1]!.publicKey.serialize() },
    ];
    expect(codeOf(() => v1.verifySuccessor(signedBy(Agreement.create(hijack), fakes)))).toBe(
      'ERR_AGREEMENT_INVALID',
    );
    // Replacing a continuing party's root key is refused too.
    const rekey = terms({ sequence: 2, supersedes: v1.digest });
    rekey.parties[2] = { ...rekey.parties[2]!, rootKey: fakes[0]!.publicKey.serialize() };
    expect(
      codeOf(() => v1.verifySuccessor(signedBy(Agreement.create(rekey), [...all.slice(0, 2), fakes[0]!]))),
    ).toBe('ERR_AGREEMENT_INVALID');
    // Wrong predecessor digest.
    const wrong = signedBy(Agreement.create(terms({ sequence: 2, supersedes: 'A'.repeat(43) })), all);
    expect(codeOf(() => v1.verifySuccessor(wrong))).toBe('ERR_AGREEMENT_INVALID');
  });
});

describe('directory', () => {
  const agreement = signedBy(Agreement.create(terms()), Object.values(roots));
  const now = new Date('2025-03-01T10:00:00Z');

  function world() {
    const dir = new Directory(agreement);
    const device = SigningKeyPair.generate();
    const hpke = HpkeKeyPair.generate();
    dir.apply(enrolDevice(roots.malmo, { unit: 'malmo', key: device.publicKey, name: 'Ärendesystem', now }));
    dir.apply(publishHpkeKey(device, { unit: 'malmo', key: hpke.publicKey, now }));
    return { dir, device, hpke };
  }

  it('enrols devices, publishes and rotates keys, and resolves recipients', () => {
    const { dir, device, hpke } = world();
    expect(dir.activeDevice(device.kid).unit).toBe('malmo');
    expect(dir.recipientsFor(['malmo'], now)).toEqual([
      { unit: 'malmo', device: device.kid, hpkeKey: hpke.publicKey },
    ]);
    const later = new Date(now.getTime() + 86_400_000);
    const next = HpkeKeyPair.generate();
    dir.apply(publishHpkeKey(device, { unit: 'malmo', key: next.publicKey, now: later }));
    expect(dir.currentHpkeKey(device.kid, later).key.kid).toBe(next.kid);
    expect(dir.hpkeKey(hpke.kid)?.device).toBe(device.kid);
    const expired = new Date(later.getTime() + 91 * 86_400_000);
    expect(codeOf(() => dir.currentHpkeKey(device.kid, expired))).toBe('ERR_KEY_EXPIRED');
  });

  it('refuses enrolments not signed by the unit root, and statements for unknown devices', () => {
    const dir = new Directory(agreement);
    const device = SigningKeyPair.generate();
    // Göteborg's root tries to enrol a device into Malmö.
    const forged = enrolDevice(roots['goteborg-nordost'], {
      unit: 'malmo',
      key: device.publicKey,
      name: 'x',
      now,
    });
    expect(codeOf(() => dir.apply(forged))).toBe('ERR_NOT_IN_AGREEMENT');
    // An outsider root for a unit that is not a party.
    const outsider = enrolDevice(SigningKeyPair.generate(), {
      unit: 'uppsala',
      key: device.publicKey,
      name: 'x',
      now,
    });
    expect(codeOf(() => dir.apply(outsider))).toBe('ERR_NOT_IN_AGREEMENT');
    // A re-signed statement: the payload of a genuine one with the signature of another key.
    const genuine = enrolDevice(roots.malmo, { unit: 'malmo', key: device.publicKey, name: 'x', now });
    const other = enrolDevice(roots.malmo, {
      unit: 'malmo',
      key: SigningKeyPair.generate().publicKey,
      name: 'y',
      now,
    });
    const [h, p] = genuine.split('.');
    const spliced = `${h}.${p}.${other.split('.')[2]}`;
    expect(codeOf(() => dir.apply(spliced))).toBe('ERR_CRYPTO');
    const key = publishHpkeKey(device, { unit: 'malmo', key: HpkeKeyPair.generate().publicKey, now });
    expect(codeOf(() => dir.apply(key))).toBe('ERR_UNKNOWN_KEY');
    expect(dir.statements).toEqual([]);
  });

  it('refuses a key published by another device, and everything from a revoked one', () => {
    const { dir, device } = world();
    const intruder = SigningKeyPair.generate();
    dir.apply(enrolDevice(roots.malmo, { unit: 'malmo', key: intruder.publicKey, name: 'annan', now }));
    const mine = HpkeKeyPair.generate();
    // The intruder signs a publication that names the first device as the key's owner.
    const genuine = decodeCompact(publishHpkeKey(device, { unit: 'malmo', key: mine.publicKey, now }));
    const claims = JSON.parse(new TextDecoder().decode(genuine.payloadBytes));
    expect(codeOf(() => dir.apply(signCompact(HPKE_KEY_TYP, claims, intruder)))).toBe('ERR_NOT_IN_AGREEMENT');
    expect(dir.hpkeKey(mine.kid)).toBeUndefined();

    dir.apply(revokeDevice(roots.malmo, { unit: 'malmo', device: device.kid, reason: 'stulen dator', now }));
    expect(codeOf(() => dir.activeDevice(device.kid))).toBe('ERR_KEY_REVOKED');
    expect(
      codeOf(() =>
        dir.apply(publishHpkeKey(device, { unit: 'malmo', key: HpkeKeyPair.generate().publicKey, now })),
      ),
    ).toBe('ERR_KEY_REVOKED');
    expect(
      codeOf(() =>
        dir.apply(enrolDevice(roots.malmo, { unit: 'malmo', key: device.publicKey, name: 'igen', now })),
      ),
    ).toBe('ERR_KEY_REVOKED');
    // The revoked device is no longer a recipient; the unit's other device has no key yet.
    expect(codeOf(() => dir.recipientsFor(['malmo'], now))).toBe('ERR_KEY_EXPIRED');
  });

  it("reads a dropped party's earlier statements after an extension, but keeps its devices out of use", () => {
    const all = Object.values(roots);
    const v1 = signedBy(Agreement.create(terms()), all);
    const device = SigningKeyPair.generate();
    const enrolment = enrolDevice(roots['goteborg-nordost'], {
      unit: 'goteborg-nordost',
      key: device.publicKey,
      name: 'x',
      now,
    });
    const t2 = terms({ sequence: 2, supersedes: v1.digest });
    t2.parties = t2.parties.filter((p) => p.unit !== 'goteborg-nordost');
    t2.municipalities = t2.municipalities.filter((m) => m.id !== 'goteborg');
    const v2 = signedBy(Agreement.create(t2), [roots['stockholm-jarva'], roots.malmo]);
    // Rebuilt from scratch: both agreements first, then the statements in their order.
    const dir = new Directory(v1);
    dir.addAgreement(v2);
    dir.apply(enrolment);
    expect(dir.device(device.kid)?.unit).toBe('goteborg-nordost');
    expect(codeOf(() => dir.activeDevice(device.kid))).toBe('ERR_NOT_IN_AGREEMENT');
    expect(codeOf(() => dir.recipientsFor(['goteborg-nordost'], now))).toBe('ERR_NOT_IN_AGREEMENT');
  });

  it('applies the same statement twice without effect', () => {
    const { dir } = world();
    const n = dir.statements.length;
    dir.applyAll(dir.statements.slice());
    expect(dir.statements.length).toBe(n);
  });
});
