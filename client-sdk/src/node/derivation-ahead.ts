/**
 * Node convenience: a device's passphrase derived ahead (PROTOCOL.md §3.4). A command-line tool knows the
 * passphrase (from its environment) and the store's file before it has loaded the SDK; the key files'
 * salt and cost are in that file. {@link DerivationAhead.start} reads them with better-sqlite3 alone and
 * starts scrypt on libuv's thread pool, so the derivation runs while the SDK's modules load; the SDK's
 * `loadIdentity(store, passphrase, { derived })` then takes it rather than deriving again.
 *
 * Reading is all it does: it opens the file read-only, creates nothing, and gives up (undefined: the SDK
 * derives as usual and reports what is wrong) on anything unexpected. Costs outside the limits of
 * PROTOCOL.md §3.4 are never derived, the same limits the SDK checks (crypto/key-file.ts SCRYPT_LIMITS),
 * kept here as numbers so that this module loads nothing of the SDK; a test holds the two equal.
 */
import { Buffer } from 'node:buffer';
import { scrypt } from 'node:crypto';

/** A key file's derivation: its salt (base64url) and cost. */
interface Kdf {
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** PROTOCOL.md §3.4: N a power of two from 2^15 to 2^20, r = 8, p = 1 (crypto/key-file.ts SCRYPT_LIMITS). */
export const AHEAD_SCRYPT_LIMITS = { minN: 2 ** 15, maxN: 2 ** 20, r: 8, p: 1 } as const;
/** PROTOCOL.md §3.4: a 16-byte salt. */
const SALT_LENGTH = 16;

/** At most this many distinct derivations are started (a device's files share one; libuv has 4 threads). */
const MOST = 4;

/** The `kdf` of a key file's JSON text, when it is within the limits; else undefined. */
function kdfOf(text: unknown): Kdf | undefined {
  if (typeof text !== 'string') return undefined;
  const kdf = (JSON.parse(text) as { kdf?: Partial<Kdf> & { name?: unknown } } | null)?.kdf;
  if (kdf?.name !== 'scrypt') return undefined;
  const { salt, N, r, p } = kdf;
  const { minN, maxN } = AHEAD_SCRYPT_LIMITS;
  if (typeof N !== 'number' || !Number.isSafeInteger(N) || N < minN || N > maxN || (N & (N - 1)) !== 0)
    return undefined;
  if (r !== AHEAD_SCRYPT_LIMITS.r || p !== AHEAD_SCRYPT_LIMITS.p || typeof salt !== 'string')
    return undefined;
  const bytes = Buffer.from(salt, 'base64url');
  if (bytes.length !== SALT_LENGTH || bytes.toString('base64url') !== salt) return undefined;
  return { salt, N, r, p };
}

const id = (k: Kdf) => `${k.N}|${k.r}|${k.p}|${k.salt}`;

/** scrypt of the NFC-normalised UTF-8 passphrase (PROTOCOL.md §3.4), dkLen 32, as fresh bytes. */
function derive(passphrase: string, kdf: Kdf): Promise<Uint8Array> {
  const pass = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const maxmem = 128 * kdf.r * (kdf.N + 2 + kdf.p) + 2 ** 20;
  return new Promise((resolve, reject) => {
    scrypt(
      pass,
      Buffer.from(kdf.salt, 'base64url'),
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem },
      (err, key) => {
        pass.fill(0);
        if (err) return reject(err);
        const out = Uint8Array.from(key);
        key.fill(0);
        resolve(out);
      },
    );
  });
}

/**
 * The derivations of one passphrase under the distinct salts and costs of a device's key files, started
 * when made. Each is handed over once, to the call that asks with the same passphrase and derivation
 * (the SDK's `DerivedKeys`); {@link discard} wipes what nobody took.
 *
 * @example
 * const derived = await DerivationAhead.start('./brygga-device/store.sqlite', process.env.BRYGGA_PASSPHRASE);
 * // … load the SDK, open the store …
 * const identity = await loadIdentity(store, passphrase, derived ? { derived } : {});
 */
export class DerivationAhead {
  readonly #passphrase: string;
  readonly #keks = new Map<string, Promise<Uint8Array>>();

  private constructor(passphrase: string, kdfs: Kdf[]) {
    this.#passphrase = passphrase;
    for (const kdf of kdfs) {
      const kek = derive(passphrase, kdf);
      // A failure is the taker's to see; one nobody takes is no failure of anyone's.
      kek.catch(() => {});
      this.#keks.set(id(kdf), kek);
    }
  }

  /**
   * Read the key files' salts and costs from the SDK's SQLite store at `path` and start their derivations
   * under `passphrase`; undefined (nothing started) when the file is missing, holds no identity, or is
   * not as expected, or the passphrase is empty.
   */
  static async start(path: string, passphrase: string): Promise<DerivationAhead | undefined> {
    if (passphrase === '') return undefined;
    try {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path, { readonly: true, fileMustExist: true });
      let row: { signing_key?: unknown; hpke_keys?: unknown } | undefined;
      try {
        row = db.prepare("SELECT signing_key, hpke_keys FROM brygga_identity WHERE id = 'device'").get() as
          | typeof row
          | undefined;
      } finally {
        db.close();
      }
      if (!row || typeof row.hpke_keys !== 'string') return undefined;
      const hpke = JSON.parse(row.hpke_keys) as unknown;
      if (!Array.isArray(hpke)) return undefined;
      const kdfs = new Map<string, Kdf>();
      for (const text of [row.signing_key, ...hpke]) {
        const kdf = kdfOf(text);
        if (kdf && kdfs.size < MOST) kdfs.set(id(kdf), kdf);
      }
      return kdfs.size === 0 ? undefined : new DerivationAhead(passphrase, [...kdfs.values()]);
    } catch {
      return undefined;
    }
  }

  /** The derivation of `passphrase` under `kdf`, once, if it was started here; else undefined. */
  take(passphrase: string, kdf: Kdf): Promise<Uint8Array> | undefined {
    if (passphrase !== this.#passphrase) return undefined;
    const key = id(kdf);
    const kek = this.#keks.get(key);
    this.#keks.delete(key);
    return kek;
  }

  /** Wipe the derivations nobody took (when they finish). */
  discard(): void {
    for (const kek of this.#keks.values())
      kek.then(
        (bytes) => bytes.fill(0),
        () => {},
      );
    this.#keks.clear();
  }
}
