/**
 * Internal: watching the transparency log for this unit's keys (PROTOCOL.md §19.5). A key of this unit
 * is expected when a root signature explains it: a device enrolment signed by the unit's root key in
 * the chain (§5.1), an HPKE key signed by a device so enrolled (and not revoked). Such enrolments are
 * the unit's own and are announced, not alarmed. The alarm is for a statement of the unit that no root
 * signature explains (a key the relay slipped into the log), for an HPKE key signed with this device's
 * own key that this device does not hold (its key in other hands), and, when the unit's administrator keeps a
 * register of the devices the unit enrolled (`BryggaClient.expectUnitKeys`), for a root-signed
 * enrolment the register lacks: the unit's root key in other hands.
 */
import { toBase64url } from '../crypto/bytes.js';
import { verifyCompactSignature } from '../crypto/jws.js';
import { SigningPublicKey } from '../crypto/keys.js';
import type { Directory } from '../directory/directory.js';
import {
  DEVICE_TYP,
  HPKE_KEY_TYP,
  parseStatement,
  REVOCATION_TYP,
  type Statement,
} from '../directory/statements.js';
import type { LogSubject } from '../transparency/log-evidence.js';
import type { MonitoredEntry } from '../transparency/log-verifier.js';

/** The register of this unit's devices its administrator keeps with this device, if any. */
export interface UnitRegister {
  /** Whether the administrator keeps one (has registered devices with this device). */
  kept: boolean;
  /** Device key ids (and HPKE key ids) registered. */
  kids: ReadonlySet<string>;
}

/** An enrolment of this unit that a root signature explains: announced to the case system. */
export interface UnitEnrolment {
  device: string;
  name: string;
  safetyNumber: string;
  /** The log entry. */
  index: number;
}

/** What the watch found among new log entries. */
export interface UnitKeyFindings {
  /** Statements giving this unit a key it did not publish, with the log entry as evidence. */
  unexpected: LogSubject[];
  /** This unit's other devices, enrolled by its root. */
  enrolled: UnitEnrolment[];
}

/** What the watch needs to know. */
export interface UnitKeyWatch {
  unit: string;
  /** This device's key id: its own enrolment is expected. */
  device: string;
  /** This device's own HPKE key ids: an HPKE key it signed and does not hold means its key is in other hands. */
  ownKeys: ReadonlySet<string>;
  directory: Pick<Directory, 'devices' | 'verifyRootSigned'>;
  /** Read only when a statement of the unit is found. */
  register: () => Promise<UnitRegister>;
}

/** Watch `entries` (in log order) for statements of this unit; see the module header. */
export async function watchUnitKeys(
  entries: readonly MonitoredEntry[],
  watch: UnitKeyWatch,
): Promise<UnitKeyFindings> {
  const findings: UnitKeyFindings = { unexpected: [], enrolled: [] };
  const statements = entries.filter((e) => e.kind === 'statement' && typeof e.jws === 'string');
  if (statements.length === 0) return findings;
  const { unit, device: me } = watch;
  // The devices of this unit a root signature explains, with their signing keys, as the log goes on.
  const explained = new Map<string, SigningPublicKey>(
    watch.directory
      .devices(unit)
      .filter((d) => d.revokedAt === undefined)
      .map((d) => [d.kid, d.key]),
  );
  let register: UnitRegister | undefined;
  const registered = async (...kids: string[]) => {
    register ??= await watch.register();
    return !register.kept || kids.some((k) => register!.kids.has(k));
  };
  for (const e of statements) {
    const jws = e.jws as string;
    let st: Statement;
    try {
      st = parseStatement(jws);
    } catch {
      continue;
    }
    if (st.claims.unit !== unit) continue;
    const subject = (owner: string, key: string): LogSubject => ({
      kind: 'statement',
      hash: toBase64url(e.hash),
      jws,
      unit,
      device: owner,
      key,
      index: e.index,
    });
    if (st.typ === DEVICE_TYP) {
      const { device, key, name } = st.claims;
      if (!rootSigned(watch, jws)) {
        findings.unexpected.push(subject(device, device));
        continue;
      }
      const publicKey = SigningPublicKey.deserialize(key);
      explained.set(device, publicKey);
      if (device === me) continue;
      if (await registered(device)) {
        findings.enrolled.push({ device, name, safetyNumber: publicKey.safetyNumber(unit), index: e.index });
      } else {
        findings.unexpected.push(subject(device, device));
      }
    } else if (st.typ === HPKE_KEY_TYP) {
      const { device, kid } = st.claims;
      const signer = explained.get(st.signer);
      if (!signer || st.signer !== device || !signatureVerifies(jws, signer)) {
        findings.unexpected.push(subject(device, kid));
        continue;
      }
      const expected = device === me ? watch.ownKeys.has(kid) : await registered(device, kid);
      if (!expected) findings.unexpected.push(subject(device, kid));
    } else if (st.typ === REVOCATION_TYP && rootSigned(watch, jws)) {
      explained.delete(st.claims.device);
    }
  }
  return findings;
}

function rootSigned(watch: UnitKeyWatch, jws: string): boolean {
  try {
    watch.directory.verifyRootSigned(jws);
    return true;
  } catch {
    return false;
  }
}

function signatureVerifies(jws: string, key: SigningPublicKey): boolean {
  try {
    verifyCompactSignature(jws, HPKE_KEY_TYP, key);
    return true;
  } catch {
    return false;
  }
}
