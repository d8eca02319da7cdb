/**
 * The directory (PROTOCOL.md §5.1, §6.4): the chain of accepted agreements plus every statement that
 * chains to it, applied in order. It answers "whose key is this, is it valid now, and where do I
 * encrypt to?". The relay keeps one to refuse bad statements; every client keeps its own and verifies
 * again, because the relay is not trusted to say who holds which key.
 *
 * Its state is a function of its inputs alone: the agreements, the pins and the statements in their
 * order. A directory built incrementally (statements between agreements, as they arrive) and one rebuilt
 * from the stored chain (every agreement, then every statement) are the same ({@link snapshot}).
 */

import { decodeCompact, verifyCompactSignature } from '../crypto/jws.js';
import { HpkePublicKey, SigningPublicKey } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';
import type { Agreement } from './agreement.js';
import {
  DEVICE_TYP,
  HPKE_KEY_TYP,
  INTAKE_TYP,
  isStatementTyp,
  REVOCATION_TYP,
  type Statement,
  statementOf,
} from './statements.js';
import { type RootKeyAlert, RootKeyChangeError, type RootPin, TrustChain } from './trust-chain.js';
import { numericDate } from './validate.js';

/** A device known to the directory. */
export interface DeviceRecord {
  unit: string;
  kid: string;
  key: SigningPublicKey;
  name: string;
  enrolledAt: number;
  /** NumericDate of the revocation, if revoked. */
  revokedAt?: number;
  revocationReason?: string;
}

/** An HPKE key of a device. */
export interface HpkeKeyRecord {
  unit: string;
  device: string;
  key: HpkePublicKey;
  iat: number;
  nbf: number;
  exp: number;
}

/** Where to encrypt a packet for one device: the device and its current HPKE key. */
export interface RecipientDevice {
  unit: string;
  device: string;
  hpkeKey: HpkePublicKey;
}

/** Options of a {@link Directory}. */
export interface DirectoryOptions {
  /** Root key changes the local administrator allowed (PROTOCOL.md §5.2), kept by the caller. */
  pins?: readonly RootPin[];
  /** Called once for every extension refused over a root key, with what a person must judge. */
  onAlert?: (alert: RootKeyAlert) => void;
}

/**
 * Everything a directory holds, in a fixed order, for comparing two directories (a rebuild with the
 * incremental original, one process with another).
 */
export interface DirectorySnapshot {
  agreements: string[];
  pins: RootPin[];
  roots: { unit: string; rootKey: string }[];
  devices: {
    kid: string;
    unit: string;
    name: string;
    enrolledAt: number;
    revokedAt: number | null;
    revocationReason: string | null;
  }[];
  hpkeKeys: { kid: string; unit: string; device: string; iat: number; nbf: number; exp: number }[];
  /** Each unit's intake designation in force (PROTOCOL.md §6.5), by unit. */
  intake: { unit: string; devices: string[]; iat: number }[];
  statements: string[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The verified directory: agreement chain, devices, keys and revocations. */
export class Directory {
  readonly #chain: TrustChain;
  readonly #onAlert: ((alert: RootKeyAlert) => void) | undefined;
  readonly #alerts: RootKeyAlert[] = [];
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #hpkeKeys = new Map<string, HpkeKeyRecord>();
  /** Each unit's intake designation in force (PROTOCOL.md §6.5). */
  readonly #intake = new Map<string, { devices: string[]; iat: number }>();
  #statements: string[] = [];
  #applied = new Set<string>();

  /** A directory anchored on `agreement` (pinned by its caller), which must be fully signed. */
  constructor(agreement: Agreement, options: DirectoryOptions = {}) {
    this.#chain = new TrustChain(agreement, options.pins);
    this.#onAlert = options.onAlert;
  }

  /** The current (newest accepted) agreement. */
  get agreement(): Agreement {
    return this.#chain.current;
  }

  /** Every agreement accepted, oldest first. */
  get agreements(): readonly Agreement[] {
    return this.#chain.agreements;
  }

  /** Every statement applied and still in force, in order. */
  get statements(): readonly string[] {
    return this.#statements;
  }

  /** The root key changes allowed, in the order they were pinned. */
  get pins(): readonly RootPin[] {
    return this.#chain.pins;
  }

  /** Every extension refused over a root key so far (see {@link RootKeyChangeError}). */
  get alerts(): readonly RootKeyAlert[] {
    return this.#alerts;
  }

  /**
   * Allow `unit`'s root key to change from `from` to `to` in a later agreement (PROTOCOL.md §5.2): a hand
   * pin, which the local administrator makes after comparing the new key's safety number with the
   * unit's administrator. The caller keeps its pins and passes them again whenever it builds the
   * directory. Idempotent.
   *
   * @example directory.pinRootKey({ unit: 'malmo', from: oldRoot.serialize(), to: newRoot.serialize() });
   */
  pinRootKey(pin: RootPin): RootPin {
    return this.#chain.pin(pin);
  }

  /**
   * Verify a root change signed by the unit's current root ({@link signRootChange}) and pin it. Returns
   * the pin, for the caller to keep.
   */
  acceptRootChange(jws: string): RootPin {
    return this.#chain.acceptRootChange(jws);
  }

  /**
   * Check that `next` may extend the chain (PROTOCOL.md §5.1): a valid extension of the current
   * agreement in which every unit has the root key it had anywhere in the chain, unless a pin allows
   * the change, and no root key passes from one unit to another. A refusal over a root key is a
   * {@link RootKeyChangeError} and is recorded in {@link alerts}. Changes nothing else.
   */
  verifySuccessor(next: Agreement): Agreement {
    this.#check(next);
    return next;
  }

  /** Accept an extension of the agreement (see {@link verifySuccessor}). Idempotent. */
  addAgreement(next: Agreement): void {
    if (this.#chain.agreements.some((a) => a.digest === next.digest)) return;
    const changesRoot = this.#check(next);
    this.#chain.add(next);
    // A root key changed: statements its old key signed no longer count, exactly as for a directory
    // built with this agreement from the start, so the statements are applied again from the first.
    if (changesRoot) this.#reapply();
  }

  #check(next: Agreement): boolean {
    try {
      return this.#chain.check(next);
    } catch (err) {
      if (err instanceof RootKeyChangeError) this.#alert(err.alert);
      throw err;
    }
  }

  #alert(alert: RootKeyAlert): void {
    const seen = this.#alerts.some(
      (a) => a.agreement === alert.agreement && a.unit === alert.unit && a.offeredRoot === alert.offeredRoot,
    );
    if (seen) return;
    this.#alerts.push(alert);
    this.#onAlert?.(alert);
  }

  #reapply(): void {
    const statements = this.#statements;
    this.#statements = [];
    this.#applied = new Set();
    this.#devices.clear();
    this.#hpkeKeys.clear();
    this.#intake.clear();
    for (const jws of statements) {
      try {
        this.apply(jws);
      } catch {
        // Signed by a root key the chain no longer gives its unit, or resting on such a statement.
      }
    }
  }

  /** The root key `unit` has in the chain (PROTOCOL.md §5.1), also if the current agreement dropped it. */
  #statementRoot(unit: string): SigningPublicKey {
    const key = this.#chain.rootOf(unit);
    if (!key) throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
    return key;
  }

  /** The root key of `unit` in the current agreement. */
  rootKeyOf(unit: string): SigningPublicKey {
    const key = this.agreement.rootKeyOf(unit);
    if (!key) throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
    return key;
  }

  /**
   * Verify and apply one statement (PROTOCOL.md §6.4). The signer is found from the JWS header and the
   * signature verified before the claims are read. Throws ERR_MALFORMED for a malformed statement,
   * ERR_NOT_IN_AGREEMENT when its signer may not make it, ERR_UNKNOWN_KEY for a device the directory
   * does not know, ERR_CRYPTO for a bad signature, ERR_KEY_REVOKED for a revoked device. Applying the
   * same statement twice is a no-op.
   */
  apply(jws: string): Statement {
    const decoded = decodeCompact(jws);
    const typ = decoded.header.typ;
    if (!isStatementTyp(typ)) throw new BryggaError('ERR_MALFORMED', 'unknown statement type');
    const signer = decoded.header.kid;
    if (this.#applied.has(jws)) return statementOf(typ, jws, signer, decoded.payloadBytes);
    let st: Statement;
    if (typ === HPKE_KEY_TYP) {
      const device = this.#devices.get(signer);
      if (!device) throw new BryggaError('ERR_UNKNOWN_KEY', 'key published by an unknown device');
      verifyCompactSignature(jws, typ, device.key);
      st = statementOf(typ, jws, signer, decoded.payloadBytes);
      if (st.typ !== HPKE_KEY_TYP) throw new BryggaError('ERR_MALFORMED', 'not a key statement');
      const c = st.claims;
      if (c.device !== device.kid || c.unit !== device.unit)
        throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'key not signed by its device');
      if (device.revokedAt !== undefined) throw new BryggaError('ERR_KEY_REVOKED', 'the device is revoked');
      const existing = this.#hpkeKeys.get(c.kid);
      if (existing && existing.device !== c.device)
        throw new BryggaError('ERR_MALFORMED', 'key already published by another device');
      this.#hpkeKeys.set(c.kid, {
        unit: c.unit,
        device: c.device,
        key: HpkePublicKey.deserialize(c.key),
        iat: c.iat,
        nbf: c.nbf,
        exp: c.exp,
      });
    } else {
      const unit = this.#chain.unitOfRoot(signer);
      if (unit === undefined)
        throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'statement not signed by a unit root');
      verifyCompactSignature(jws, typ, this.#statementRoot(unit));
      st = statementOf(typ, jws, signer, decoded.payloadBytes);
      if (st.claims.unit !== unit)
        throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'statement not signed by the root of its unit');
      if (st.typ === DEVICE_TYP) {
        const c = st.claims;
        const existing = this.#devices.get(c.device);
        if (existing) {
          if (existing.revokedAt !== undefined)
            throw new BryggaError('ERR_KEY_REVOKED', 'this device key was revoked');
          if (existing.unit !== c.unit)
            throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'device enrolled in another unit');
        } else {
          this.#devices.set(c.device, {
            unit: c.unit,
            kid: c.device,
            key: SigningPublicKey.deserialize(c.key),
            name: c.name,
            enrolledAt: c.iat,
          });
        }
      } else if (st.typ === REVOCATION_TYP) {
        const c = st.claims;
        const device = this.#devices.get(c.device);
        if (!device || device.unit !== c.unit)
          throw new BryggaError('ERR_UNKNOWN_KEY', 'revocation of an unknown device');
        if (device.revokedAt === undefined) {
          device.revokedAt = c.iat;
          device.revocationReason = c.reason;
        }
      } else if (st.typ === INTAKE_TYP) {
        const c = st.claims;
        for (const kid of c.devices) {
          const device = this.#devices.get(kid);
          if (!device || device.unit !== c.unit)
            throw new BryggaError('ERR_UNKNOWN_KEY', 'intake names a device the unit has not enrolled');
          if (device.revokedAt !== undefined)
            throw new BryggaError('ERR_KEY_REVOKED', 'intake names a revoked device');
        }
        const current = this.#intake.get(c.unit);
        if (current && c.iat < current.iat)
          throw new BryggaError('ERR_MALFORMED', 'intake signed before the designation in force');
        this.#intake.set(c.unit, { devices: [...c.devices], iat: c.iat });
      }
    }
    this.#statements.push(jws);
    this.#applied.add(jws);
    return st;
  }

  /**
   * Verify an enrolment or revocation against the root key its signer has in the chain (PROTOCOL.md
   * §5.1), without applying it: whether a unit root signed it, and for the unit it names. Returns the
   * statement; throws like {@link apply} (ERR_NOT_IN_AGREEMENT, ERR_CRYPTO, ERR_MALFORMED) when it does
   * not verify. Used to tell a unit's own enrolments from keys no root signature explains (§19.5).
   */
  verifyRootSigned(jws: string): Statement {
    const decoded = decodeCompact(jws);
    const typ = decoded.header.typ;
    if (typ !== DEVICE_TYP && typ !== REVOCATION_TYP) {
      throw new BryggaError('ERR_MALFORMED', 'not a statement signed by a unit root');
    }
    const unit = this.#chain.unitOfRoot(decoded.header.kid);
    if (unit === undefined)
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'statement not signed by a unit root');
    verifyCompactSignature(jws, typ, this.#statementRoot(unit));
    const st = statementOf(typ, jws, decoded.header.kid, decoded.payloadBytes);
    if (st.claims.unit !== unit)
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'statement not signed by the root of its unit');
    return st;
  }

  /** Apply statements in order; stops at the first invalid one and throws. */
  applyAll(statements: Iterable<string>): void {
    for (const s of statements) this.apply(s);
  }

  /** The device with key id `kid`, revoked or not; undefined if unknown. */
  device(kid: string): DeviceRecord | undefined {
    return this.#devices.get(kid);
  }

  /** Every device, optionally of one unit. */
  devices(unit?: string): DeviceRecord[] {
    return [...this.#devices.values()].filter((d) => unit === undefined || d.unit === unit);
  }

  /**
   * The signing key of an active device of a current party. ERR_UNKNOWN_KEY if unknown,
   * ERR_KEY_REVOKED if revoked, ERR_NOT_IN_AGREEMENT if its unit left the agreement.
   */
  activeDevice(kid: string): DeviceRecord {
    const d = this.#devices.get(kid);
    if (!d) throw new BryggaError('ERR_UNKNOWN_KEY', 'unknown device');
    if (d.revokedAt !== undefined) throw new BryggaError('ERR_KEY_REVOKED', 'the device is revoked');
    if (!this.agreement.rootKeyOf(d.unit))
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'the unit is not a party');
    return d;
  }

  /** The HPKE key with id `kid`. */
  hpkeKey(kid: string): HpkeKeyRecord | undefined {
    return this.#hpkeKeys.get(kid);
  }

  /** Every HPKE key published for `device`, oldest first (by `iat`, then kid). */
  hpkeKeysOf(device: string): HpkeKeyRecord[] {
    return [...this.#hpkeKeys.values()]
      .filter((k) => k.device === device)
      .sort((a, b) => a.iat - b.iat || byString(a.key.kid, b.key.kid));
  }

  /**
   * The newest HPKE key of `device` valid at `now` (PROTOCOL.md §6.2), and with `validThrough`, one that
   * stays valid until then too: a sender passes the end of the relay's delivery window, so that no
   * packet is sealed to a key that expires before it can be fetched. ERR_KEY_EXPIRED if it has none.
   */
  currentHpkeKey(device: string, now: Date = new Date(), validThrough?: Date): HpkeKeyRecord {
    this.activeDevice(device);
    const t = numericDate(now);
    const until = validThrough === undefined ? t : Math.max(t, numericDate(validThrough));
    let best: HpkeKeyRecord | undefined;
    for (const k of this.#hpkeKeys.values()) {
      if (k.device !== device || k.nbf > t || k.exp <= until) continue;
      if (!best || k.iat > best.iat || (k.iat === best.iat && k.key.kid > best.key.kid)) best = k;
    }
    if (!best) throw new BryggaError('ERR_KEY_EXPIRED', 'the device has no valid encryption key');
    return best;
  }

  /**
   * The devices `unit` designated as its intake (PROTOCOL.md §6.5) that are not revoked, sorted. Empty
   * when the unit designated none, or every one it designated was revoked since: then every device of
   * the unit receives its new referrals.
   */
  intakeOf(unit: string): string[] {
    const intake = this.#intake.get(unit);
    if (!intake) return [];
    return intake.devices.filter((kid) => this.#devices.get(kid)?.revokedAt === undefined);
  }

  /** Whether `unit` designated an intake at all (PROTOCOL.md §6.5), whatever became of its devices since. */
  hasIntake(unit: string): boolean {
    return this.#intake.has(unit);
  }

  /**
   * The devices among `devices` that are active devices of `unit` with a valid HPKE key (as in
   * {@link recipientsFor}), in the order of `devices`; the others are left out. ERR_KEY_EXPIRED when
   * none is left.
   */
  recipientsAmong(
    unit: string,
    devices: readonly string[],
    now: Date = new Date(),
    options: { validThrough?: Date } = {},
  ): RecipientDevice[] {
    this.rootKeyOf(unit);
    const out: RecipientDevice[] = [];
    for (const kid of new Set(devices)) {
      const d = this.#devices.get(kid);
      if (!d || d.unit !== unit || d.revokedAt !== undefined) continue;
      try {
        out.push({ unit, device: kid, hpkeKey: this.currentHpkeKey(kid, now, options.validThrough).key });
      } catch {
        // Without a valid key the device cannot receive; the others still can.
      }
    }
    if (out.length === 0)
      throw new BryggaError('ERR_KEY_EXPIRED', `none of the devices of ${unit} has a valid encryption key`);
    return out;
  }

  /**
   * Every active device of `units` that has a valid HPKE key at `now` (and, with `validThrough`, until
   * then: see {@link currentHpkeKey}), in a stable order. Devices without one are left out; a unit with
   * none at all is ERR_KEY_EXPIRED.
   */
  recipientsFor(
    units: readonly string[],
    now: Date = new Date(),
    options: { validThrough?: Date } = {},
  ): RecipientDevice[] {
    const out: RecipientDevice[] = [];
    for (const unit of units) {
      this.rootKeyOf(unit);
      const devices = this.devices(unit)
        .filter((d) => d.revokedAt === undefined)
        .sort((a, b) => (a.kid < b.kid ? -1 : 1));
      let found = 0;
      for (const d of devices) {
        try {
          out.push({
            unit,
            device: d.kid,
            hpkeKey: this.currentHpkeKey(d.kid, now, options.validThrough).key,
          });
          found++;
        } catch {
          // Devices without a valid key cannot receive; the others still can.
        }
      }
      if (found === 0)
        throw new BryggaError('ERR_KEY_EXPIRED', `unit ${unit} has no device with a valid encryption key`);
    }
    return out;
  }

  /**
   * Everything this directory holds, in a fixed order (see {@link DirectorySnapshot}). Two directories
   * built from the same agreements, pins and statements have equal snapshots, whatever order they were
   * built in.
   */
  snapshot(): DirectorySnapshot {
    const units = [...new Set(this.agreements.flatMap((a) => a.terms.parties.map((p) => p.unit)))].sort(
      byString,
    );
    return {
      agreements: this.agreements.map((a) => a.digest),
      pins: this.pins.map((p) => ({ ...p })),
      roots: units.map((unit) => ({ unit, rootKey: this.#chain.rootOf(unit)!.serialize() })),
      devices: [...this.#devices.values()]
        .sort((a, b) => byString(a.kid, b.kid))
        .map((d) => ({
          kid: d.kid,
          unit: d.unit,
          name: d.name,
          enrolledAt: d.enrolledAt,
          revokedAt: d.revokedAt ?? null,
          revocationReason: d.revocationReason ?? null,
        })),
      hpkeKeys: [...this.#hpkeKeys.values()]
        .sort((a, b) => byString(a.key.kid, b.key.kid))
        .map((k) => ({ kid: k.key.kid, unit: k.unit, device: k.device, iat: k.iat, nbf: k.nbf, exp: k.exp })),
      intake: [...this.#intake.entries()]
        .sort(([a], [b]) => byString(a, b))
        .map(([unit, i]) => ({ unit, devices: [...i.devices], iat: i.iat })),
      statements: [...this.#statements],
    };
  }
}
