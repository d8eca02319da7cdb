/**
 * Waiting for an inbox to change: resolves on a wake-up for the device, after a
 * timeout, or when any of the given signals aborts (client gone, relay shutting down).
 */
import type { InboxNotifier } from '../storage/index.js';

/** A pending wait; `cancel` releases its listener and timer. */
export interface Wait {
  done: Promise<void>;
  cancel: () => void;
}

/** Start listening for `device` now (before listing), so no wake-up between listing and waiting is lost. */
export function waitForWake(
  notifier: InboxNotifier,
  device: string,
  timeoutMs: number,
  signals: readonly AbortSignal[],
): Wait {
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const unsubscribe = notifier.subscribe(device, () => resolve());
  const timer = setTimeout(() => resolve(), timeoutMs);
  const onAbort = () => resolve();
  for (const s of signals) {
    if (s.aborted) resolve();
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return {
    done,
    cancel() {
      unsubscribe();
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve();
    },
  };
}
