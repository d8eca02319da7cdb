/**
 * Internal: watching the transparency log for this unit's keys (PROTOCOL.md §19.5). A device enrolment
 * or HPKE key publication of this unit that the unit did not register (nor is this device's own) is
 * reported, with the log entry as evidence: a key the relay, or someone holding the unit's root key,
 * slipped into the directory.
 */
import { toBase64url } from '../crypto/bytes.js';
import { DEVICE_TYP, HPKE_KEY_TYP, parseStatement } from '../directory/statements.js';
import type { LogSubject } from '../transparency/log-evidence.js';
import type { MonitoredEntry } from '../transparency/log-verifier.js';

/**
 * The statements in `entries` that give `unit` a key it did not publish. `device` is this device: an
 * HPKE key of another device of the unit is expected when that device is. `expectedKeys` is read only
 * when a statement of the unit is found.
 */
export async function unexpectedUnitKeys(
  entries: readonly MonitoredEntry[],
  unit: string,
  device: string,
  expectedKeys: () => Promise<Set<string>>,
): Promise<LogSubject[]> {
  const statements = entries.filter((e) => e.kind === 'statement' && typeof e.jws === 'string');
  if (statements.length === 0) return [];
  let expected: Set<string> | undefined;
  const out: LogSubject[] = [];
  for (const e of statements) {
    let st: ReturnType<typeof parseStatement>;
    try {
      st = parseStatement(e.jws as string);
    } catch {
      continue;
    }
    if (st.claims.unit !== unit || (st.typ !== DEVICE_TYP && st.typ !== HPKE_KEY_TYP)) continue;
    expected ??= await expectedKeys();
    const owner = st.claims.device;
    const key = st.typ === HPKE_KEY_TYP ? st.claims.kid : owner;
    const ok =
      st.typ === DEVICE_TYP
        ? expected.has(owner)
        : expected.has(key) || (owner !== device && expected.has(owner));
    if (!ok) {
      out.push({
        kind: 'statement',
        hash: toBase64url(e.hash),
        jws: e.jws as string,
        unit,
        device: owner,
        key,
        index: e.index,
      });
    }
  }
  return out;
}
