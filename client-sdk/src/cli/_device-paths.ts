/**
 * Where a device directory is (`--device`, or BRYGGA_DEVICE, default `./brygga-device`) and the paths in
 * it; what `_device-dir.ts` opens. Apart from it, so that main.ts finds the store without loading the SDK.
 */
import { join, resolve } from 'node:path';
import type { Io } from './_io.js';

/** The paths of a device directory. */
export function devicePaths(dir: string) {
  const root = resolve(dir);
  return {
    root,
    config: join(root, 'device.json'),
    store: join(root, 'store.sqlite'),
    agreement: join(root, 'agreement.json'),
  };
}

/** The device directory from `--device` or the environment. */
export function deviceDir(io: Pick<Io, 'env'>, flag: string | undefined): string {
  return flag ?? io.env.BRYGGA_DEVICE ?? 'brygga-device';
}
