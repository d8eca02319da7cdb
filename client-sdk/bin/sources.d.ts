/** Types of sources.js, for the TypeScript that imports it (the tests). */

/**
 * The count of the source files under `dir` (tests aside) and the newest modification time (ms) of them
 * and of the directories.
 */
export function newestSource(dir: string): { files: number; newest: number };

/** Whether `pkg`/dist was built from `pkg`/src as it is now (true for an installed package with a stamp). */
export function builtFromSources(pkg: string): boolean;
