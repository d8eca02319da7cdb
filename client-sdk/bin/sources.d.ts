/** Types of sources.js, for the TypeScript that imports it (the tests). */

/** The count and newest modification time (ms) of the files under `dir`. */
export function newestSource(dir: string): { files: number; newest: number };

/** Whether `pkg`/dist was built from `pkg`/src as it is now (true for an installed package with a stamp). */
export function builtFromSources(pkg: string): boolean;
