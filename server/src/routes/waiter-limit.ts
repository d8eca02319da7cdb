/**
 * A cap on the event streams and long-polls one device may hold open at once, so a
 * device, or a stolen token before its device is revoked, cannot tie up the relay's connections. Per
 * process, like the rate limits.
 */

/** Counts open waiters per device. */
export class WaiterLimit {
  readonly max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.max = max;
  }

  /** Take a slot for `device`; returns its release function, or undefined when the device is at the cap. */
  acquire(device: string): (() => void) | undefined {
    const n = this.#open.get(device) ?? 0;
    if (n >= this.max) return undefined;
    this.#open.set(device, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(device) ?? 1) - 1;
      if (left <= 0) this.#open.delete(device);
      else this.#open.set(device, left);
    };
  }
}
