/**
 * The chain of accepted agreements and the root key each unit has along it (PROTOCOL.md §5.1). An
 * extension is judged against the whole chain, not only its predecessor: a unit that ever appeared
 * with root key K may appear again only with K, unless an explicit pin allows the change, and a root
 * key belongs to one unit for good. Otherwise an extension that dropped a unit could be followed by one
 * that re-adds it under a key its remaining parties chose.
 *
 * A pin is either made by hand (the local administrator, after comparing safety numbers) or comes from
 * a root change signed by the unit's old root ({@link ROOT_CHANGE_TYP}). Pins are inputs, like the
 * agreements: every process given the same agreements and pins holds the same chain.
 */
import { decodeCompact, decodeJsonPayload, signCompact, verifyCompactSignature } from '../crypto/jws.js';
import { type SigningKeyPair, SigningPublicKey } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';
import type { Agreement } from './agreement.js';
import { fail, ID_PATTERN, int, numericDate, obj, only, str } from './validate.js';

/** The JWS `typ` of a root change signed by the unit's old root (PROTOCOL.md §5.2). */
export const ROOT_CHANGE_TYP = 'brygga-root-change+jws';

/**
 * Permission for `unit`'s root key to change from `from` to `to` (both base64url Ed25519 public keys)
 * in a later agreement of the chain.
 */
export interface RootPin {
  unit: string;
  from: string;
  to: string;
}

/** What a refused root change looked like, for the people who must judge it. */
export interface RootKeyAlert {
  /** The unit whose root key the agreement changes, or that it gives a key held by another unit. */
  unit: string;
  /** Digest and sequence of the agreement refused. */
  agreement: string;
  sequence: number;
  /** The root key the unit had in the chain (base64url), or null for a unit new to the chain. */
  knownRoot: string | null;
  /** The root key the refused agreement gives it. */
  offeredRoot: string;
  /** The unit that held `offeredRoot` before, when another unit did. */
  heldBy: string | null;
  /** Safety numbers (PROTOCOL.md §3.3) of both keys as `unit`'s, to read out when deciding on a pin. */
  knownSafetyNumber: string | null;
  offeredSafetyNumber: string;
}

/**
 * An extension refused because it changes a unit's root key without a pin, or gives a unit a root key
 * another unit held (code ERR_AGREEMENT_INVALID; `alert` says which). A case system should show it to
 * an administrator: either a party's key really changed (compare safety numbers, then pin), or someone
 * is trying to take a unit's place.
 */
export class RootKeyChangeError extends BryggaError {
  readonly alert: RootKeyAlert;

  constructor(alert: RootKeyAlert) {
    super(
      'ERR_AGREEMENT_INVALID',
      alert.heldBy
        ? `agreement ${alert.sequence} gives ${alert.unit} the root key of ${alert.heldBy}`
        : `agreement ${alert.sequence} changes the root key of ${alert.unit} without a pin`,
    );
    this.alert = alert;
  }
}

/** True when `err` is a refused root change (see {@link RootKeyChangeError}). */
export function isRootKeyChange(err: unknown): err is RootKeyChangeError {
  return err instanceof RootKeyChangeError;
}

/** The payload of a signed root change. */
export interface RootChangeClaims {
  v: 1;
  kind: 'brygga.root-change';
  /** The cooperation (the agreements' `id`). */
  agreement: string;
  unit: string;
  from: string;
  to: string;
  iat: number;
}

function validateRootChange(value: unknown): RootChangeClaims {
  const c = obj(value, 'root change');
  only(c, ['v', 'kind', 'agreement', 'unit', 'from', 'to', 'iat'], 'root change');
  if (c.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported root change version');
  if (c.kind !== 'brygga.root-change') fail('not a root change');
  str(c.agreement, 'agreement', ID_PATTERN);
  str(c.unit, 'unit', ID_PATTERN);
  const from = SigningPublicKey.deserialize(str(c.from, 'from'));
  const to = SigningPublicKey.deserialize(str(c.to, 'to'));
  if (from.kid === to.kid) fail('a root change changes the key');
  int(c.iat, 'iat');
  return c as unknown as RootChangeClaims;
}

/**
 * The unit's old root signs its new root key, for the parties to pin (PROTOCOL.md §5.2).
 *
 * @example const jws = signRootChange(oldRoot, { agreement: 'avhoppare-storstad', unit: 'malmo', to: newRoot.publicKey });
 */
export function signRootChange(
  oldRoot: SigningKeyPair,
  input: { agreement: string; unit: string; to: SigningPublicKey; now?: Date },
): string {
  const claims: RootChangeClaims = {
    v: 1,
    kind: 'brygga.root-change',
    agreement: input.agreement,
    unit: input.unit,
    from: oldRoot.publicKey.serialize(),
    to: input.to.serialize(),
    iat: numericDate(input.now ?? new Date()),
  };
  validateRootChange(claims);
  return signCompact(ROOT_CHANGE_TYP, claims, oldRoot);
}

function checkPin(pin: RootPin): RootPin {
  const o = obj(pin, 'root pin');
  only(o, ['unit', 'from', 'to'], 'root pin');
  str(o.unit, 'root pin unit', ID_PATTERN);
  const from = SigningPublicKey.deserialize(str(o.from, 'root pin from'));
  const to = SigningPublicKey.deserialize(str(o.to, 'root pin to'));
  if (from.kid === to.kid) fail('a root pin changes the key');
  return { unit: pin.unit, from: from.serialize(), to: to.serialize() };
}

/** The accepted agreements, each unit's root key along them, and the pins that allow changes. */
export class TrustChain {
  readonly #agreements: Agreement[];
  /** Each unit's root key: the one it has in the newest accepted agreement that names it. */
  readonly #roots = new Map<string, SigningPublicKey>();
  /** The unit each root key (by kid) ever belonged to. */
  readonly #owners = new Map<string, string>();
  readonly #pins: RootPin[] = [];

  constructor(first: Agreement, pins: readonly RootPin[] = []) {
    first.verify();
    this.#agreements = [first];
    for (const p of first.terms.parties) this.#bind(p.unit, first.rootKeyOf(p.unit)!);
    for (const pin of pins) this.pin(pin);
  }

  get agreements(): readonly Agreement[] {
    return this.#agreements;
  }

  get current(): Agreement {
    return this.#agreements[this.#agreements.length - 1]!;
  }

  get pins(): readonly RootPin[] {
    return this.#pins;
  }

  /** `unit`'s root key along the chain (also for a unit the current agreement dropped). */
  rootOf(unit: string): SigningPublicKey | undefined {
    return this.#roots.get(unit);
  }

  /** The unit whose current root key has id `kid`. */
  unitOfRoot(kid: string): string | undefined {
    const unit = this.#owners.get(kid);
    return unit !== undefined && this.#roots.get(unit)?.kid === kid ? unit : undefined;
  }

  /** Add a pin (idempotent). */
  pin(pin: RootPin): RootPin {
    const p = checkPin(pin);
    if (!this.#pins.some((q) => q.unit === p.unit && q.from === p.from && q.to === p.to)) this.#pins.push(p);
    return p;
  }

  /**
   * Verify a root change signed by a unit's current root (before reading it), and pin what it says.
   * ERR_NOT_IN_AGREEMENT if the signer is no unit's current root, ERR_CRYPTO for a bad signature,
   * ERR_MALFORMED for a payload that breaks its schema or names another unit, key or cooperation.
   */
  acceptRootChange(jws: string): RootPin {
    const decoded = decodeCompact(jws);
    if (decoded.header.typ !== ROOT_CHANGE_TYP) throw new BryggaError('ERR_MALFORMED', 'not a root change');
    const unit = this.unitOfRoot(decoded.header.kid);
    if (unit === undefined) {
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'a root change must be signed by a unit root');
    }
    const root = this.#roots.get(unit)!;
    verifyCompactSignature(jws, ROOT_CHANGE_TYP, root);
    const c = validateRootChange(decodeJsonPayload(decoded.payloadBytes));
    if (c.unit !== unit || c.from !== root.serialize() || c.agreement !== this.current.terms.id) {
      fail('the root change names another unit, key or cooperation than its signer');
    }
    return this.pin({ unit, from: c.from, to: c.to });
  }

  /**
   * Check that `next` may extend the chain (PROTOCOL.md §5.1). Throws ERR_AGREEMENT_INVALID, as a
   * {@link RootKeyChangeError} when a root key is the problem. Returns whether a root key changes.
   */
  check(next: Agreement): boolean {
    this.current.checkExtension(next);
    let changes = false;
    for (const party of next.terms.parties) {
      const offered = next.rootKeyOf(party.unit)!;
      const known = this.#roots.get(party.unit);
      const heldBy = this.#owners.get(offered.kid);
      if (heldBy !== undefined && heldBy !== party.unit) {
        throw new RootKeyChangeError(alertOf(next, party.unit, known, offered, heldBy));
      }
      if (!known || known.kid === offered.kid) continue;
      const pinned = this.#pins.some(
        (p) => p.unit === party.unit && p.from === known.serialize() && p.to === offered.serialize(),
      );
      if (!pinned) throw new RootKeyChangeError(alertOf(next, party.unit, known, offered, null));
      changes = true;
    }
    return changes;
  }

  /** Append `next`, which {@link check} accepted. */
  add(next: Agreement): void {
    this.#agreements.push(next);
    for (const p of next.terms.parties) this.#bind(p.unit, next.rootKeyOf(p.unit)!);
  }

  #bind(unit: string, root: SigningPublicKey): void {
    this.#roots.set(unit, root);
    this.#owners.set(root.kid, unit);
  }
}

function alertOf(
  next: Agreement,
  unit: string,
  known: SigningPublicKey | undefined,
  offered: SigningPublicKey,
  heldBy: string | null,
): RootKeyAlert {
  return {
    unit,
    agreement: next.digest,
    sequence: next.terms.sequence,
    knownRoot: known ? known.serialize() : null,
    offeredRoot: offered.serialize(),
    heldBy,
    knownSafetyNumber: known ? known.safetyNumber(unit) : null,
    offeredSafetyNumber: offered.safetyNumber(unit),
  };
}
