/**
 * The directory (PROTOCOL.md §6.4): the pinned agreement plus every statement that chains to it,
 * applied in order. It answers "whose key is this, is it valid now, and where do I encrypt to?".
 * The relay keeps one to refuse bad statements; every client keeps its own and verifies again, because
 * the relay is not trusted to say who holds which key.
 */

import { HpkePublicKey, SigningPublicKey } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';
import type { Agreement } from './agreement.js';
import {
  DEVICE_TYP,
  HPKE_KEY_TYP,
  parseStatement,
  REVOCATION_TYP,
  type Statement,
  verifyStatementSignature,
} from './statements.js';
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

/** The verified directory: agreement history, devices, keys and revocations. */
export class Directory {
  #agreements: Agreement[];
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #hpkeKeys = new Map<string, HpkeKeyRecord>();
  readonly #statements: string[] = [];

  /** A directory anchored on `agreement`, which must be fully signed. */
  constructor(agreement: Agreement) {
    agreement.verify();
    this.#agreements = [agreement];
  }

  /** The current (newest accepted) agreement. */
  get agreement(): Agreement {
    return this.#agreements[this.#agreements.length - 1]!;
  }

  /** Every agreement accepted, oldest first. */
  get agreements(): readonly Agreement[] {
    return this.#agreements;
  }

  /** Every statement applied, in order. */
  get statements(): readonly string[] {
    return this.#statements;
  }

  /** Accept an extension of the agreement (see {@link Agreement.verifySuccessor}). Idempotent. */
  addAgreement(next: Agreement): void {
    if (this.#agreements.some((a) => a.digest === next.digest)) return;
    this.agreement.verifySuccessor(next);
    this.#agreements.push(next);
  }

  /** The root key of `unit` in the current agreement. */
  rootKeyOf(unit: string): SigningPublicKey {
    const key = this.agreement.rootKeyOf(unit);
    if (!key) throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
    return key;
  }

  /**
   * The root key `unit` has in any accepted agreement (root keys never change across extensions).
   * Statements are checked against it, so a directory rebuilt after an extension that dropped a party
   * still reads that party's earlier statements; {@link activeDevice} keeps its devices out of use.
   */
  #statementRoot(unit: string): SigningPublicKey {
    for (let i = this.#agreements.length - 1; i >= 0; i--) {
      const key = this.#agreements[i]!.rootKeyOf(unit);
      if (key) return key;
    }
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
  }

  /**
   * Verify and apply one statement. Throws ERR_NOT_IN_AGREEMENT when it does not chain to the
   * agreement, ERR_CRYPTO for a bad signature, ERR_MALFORMED for a malformed one. Applying the same
   * statement twice is a no-op.
   */
  apply(jws: string): Statement {
    const st = parseStatement(jws);
    if (this.#statements.includes(jws)) return st;
    switch (st.typ) {
      case DEVICE_TYP: {
        const c = st.claims;
        const root = this.#statementRoot(c.unit);
        if (st.signer !== root.kid)
          throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'enrolment not signed by the unit root');
        verifyStatementSignature(st, root);
        const existing = this.#devices.get(c.device);
        if (existing) {
          if (existing.revokedAt !== undefined)
            throw new BryggaError('ERR_KEY_REVOKED', 'this device key was revoked');
          if (existing.unit !== c.unit)
            throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'device enrolled in another unit');
          break;
        }
        this.#devices.set(c.device, {
          unit: c.unit,
          kid: c.device,
          key: SigningPublicKey.deserialize(c.key),
          name: c.name,
          enrolledAt: c.iat,
        });
        break;
      }
      case HPKE_KEY_TYP: {
        const c = st.claims;
        const device = this.#devices.get(c.device);
        if (!device || device.unit !== c.unit)
          throw new BryggaError('ERR_UNKNOWN_KEY', 'key published for an unknown device');
        if (st.signer !== device.kid)
          throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'key not signed by its device');
        if (device.revokedAt !== undefined) throw new BryggaError('ERR_KEY_REVOKED', 'the device is revoked');
        verifyStatementSignature(st, device.key);
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
        break;
      }
      case REVOCATION_TYP: {
        const c = st.claims;
        const device = this.#devices.get(c.device);
        if (!device || device.unit !== c.unit)
          throw new BryggaError('ERR_UNKNOWN_KEY', 'revocation of an unknown device');
        const root = this.#statementRoot(c.unit);
        if (st.signer !== root.kid)
          throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'revocation not signed by the unit root');
        verifyStatementSignature(st, root);
        if (device.revokedAt === undefined) {
          device.revokedAt = c.iat;
          device.revocationReason = c.reason;
        }
        break;
      }
    }
    this.#statements.push(jws);
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

  /** The newest HPKE key of `device` valid at `now`. ERR_KEY_EXPIRED if it has none. */
  currentHpkeKey(device: string, now: Date = new Date()): HpkeKeyRecord {
    this.activeDevice(device);
    const t = numericDate(now);
    let best: HpkeKeyRecord | undefined;
    for (const k of this.#hpkeKeys.values()) {
      if (k.device !== device || k.nbf > t || k.exp <= t) continue;
      if (!best || k.iat > best.iat || (k.iat === best.iat && k.key.kid > best.key.kid)) best = k;
    }
    if (!best) throw new BryggaError('ERR_KEY_EXPIRED', 'the device has no valid encryption key');
    return best;
  }

  /**
   * Every active device of `units` that has a valid HPKE key at `now`, in a stable order. Devices
   * without a valid key are left out; a unit with none at all is ERR_KEY_EXPIRED.
   */
  recipientsFor(units: readonly string[], now: Date = new Date()): RecipientDevice[] {
    const out: RecipientDevice[] = [];
    for (const unit of units) {
      this.rootKeyOf(unit);
      const devices = this.devices(unit)
        .filter((d) => d.revokedAt === undefined)
        .sort((a, b) => (a.kid < b.kid ? -1 : 1));
      let found = 0;
      for (const d of devices) {
        try {
          out.push({ unit, device: d.kid, hpkeKey: this.currentHpkeKey(d.kid, now).key });
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
}
