/**
 * The intake designation (PROTOCOL.md §6.5): signed by the unit root, naming enrolled devices of the
 * unit; the latest replaces the earlier; revoked devices drop out; and without one, every device is
 * the intake.
 */
import { describe, expect, it } from 'vitest';
import { agreementTerms, party } from '../../../test/support/agreement-terms.js';
import { codeOf } from '../../../test/support/error-code.js';
import { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import { Agreement } from './agreement.js';
import { Directory } from './directory.js';
import { designateIntake, enrolDevice, parseStatement, publishHpkeKey, revokeDevice } from './statements.js';

const roots = { 'stockholm-jarva': SigningKeyPair.generate(), malmo: SigningKeyPair.generate() };
const agreement = Object.values(roots).reduce(
  (a, k) => a.sign(k),
  Agreement.create(
    agreementTerms(
      (['stockholm-jarva', 'malmo'] as const).map((u) => party(u, roots[u].publicKey)),
      {
        period: { from: '2025-01-01', to: '2025-12-31' },
        catalogue: [{ code: 'krisstod', name: 'Krisstöd' }],
      },
    ),
  ),
);
const now = new Date('2025-03-03T09:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);

function device(unit: 'malmo' | 'stockholm-jarva', name: string) {
  const key = SigningKeyPair.generate();
  const statements = [
    enrolDevice(roots[unit], { unit, key: key.publicKey, name, now }),
    publishHpkeKey(key, { unit, key: HpkeKeyPair.generate().publicKey, now }),
  ];
  return { kid: key.kid, statements };
}

describe('the intake designation', () => {
  it('names the devices that receive new referrals; a later one replaces it; a revoked device drops out', () => {
    const coordinator = device('malmo', 'Samordnare');
    const officer = device('malmo', 'Handläggare');
    const dir = new Directory(agreement);
    dir.applyAll([...coordinator.statements, ...officer.statements]);
    // None designated: every device is the intake.
    expect(dir.hasIntake('malmo')).toBe(false);
    expect(dir.intakeOf('malmo')).toEqual([]);
    dir.apply(designateIntake(roots.malmo, { unit: 'malmo', devices: [coordinator.kid], now }));
    expect(dir.intakeOf('malmo')).toEqual([coordinator.kid]);
    expect(dir.recipientsAmong('malmo', dir.intakeOf('malmo'), now).map((r) => r.device)).toEqual([
      coordinator.kid,
    ]);
    const both = [coordinator.kid, officer.kid];
    dir.apply(designateIntake(roots.malmo, { unit: 'malmo', devices: both, now: later(60) }));
    expect(dir.intakeOf('malmo')).toEqual([...both].sort());
    dir.apply(
      revokeDevice(roots.malmo, { unit: 'malmo', device: officer.kid, reason: 'stulen', now: later(120) }),
    );
    expect(dir.intakeOf('malmo')).toEqual([coordinator.kid]);
    expect(dir.hasIntake('malmo')).toBe(true);
    expect(dir.snapshot().intake).toEqual([
      { unit: 'malmo', devices: [...both].sort(), iat: now.getTime() / 1000 + 60 },
    ]);
  });

  it('is refused when another root signs it, it names a device of another unit or none enrolled, or it is older', () => {
    const coordinator = device('malmo', 'Samordnare');
    const jarva = device('stockholm-jarva', 'Järva');
    const dir = new Directory(agreement);
    dir.applyAll([...coordinator.statements, ...jarva.statements]);
    const forged = designateIntake(roots['stockholm-jarva'], {
      unit: 'malmo',
      devices: [coordinator.kid],
      now,
    });
    expect(codeOf(() => dir.apply(forged))).toBe('ERR_NOT_IN_AGREEMENT');
    const foreign = designateIntake(roots.malmo, { unit: 'malmo', devices: [jarva.kid], now });
    expect(codeOf(() => dir.apply(foreign))).toBe('ERR_UNKNOWN_KEY');
    const unknown = designateIntake(roots.malmo, {
      unit: 'malmo',
      devices: [SigningKeyPair.generate().kid],
      now,
    });
    expect(codeOf(() => dir.apply(unknown))).toBe('ERR_UNKNOWN_KEY');
    dir.apply(designateIntake(roots.malmo, { unit: 'malmo', devices: [coordinator.kid], now: later(60) }));
    const older = designateIntake(roots.malmo, { unit: 'malmo', devices: [coordinator.kid], now });
    expect(codeOf(() => dir.apply(older))).toBe('ERR_MALFORMED');
    expect(codeOf(() => designateIntake(roots.malmo, { unit: 'malmo', devices: [], now }))).toBe(
      'ERR_MALFORMED',
    );
    // Read back: sorted, distinct members, exactly as specified.
    const st = parseStatement(
      designateIntake(roots.malmo, { unit: 'malmo', devices: [coordinator.kid], now }),
    );
    expect(st.claims).toEqual({
      v: 1,
      kind: 'brygga.intake',
      unit: 'malmo',
      devices: [coordinator.kid],
      iat: now.getTime() / 1000,
    });
  });
});
