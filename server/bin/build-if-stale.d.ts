/** Types of build-if-stale.js, for the TypeScript that imports it (the tests' global setup). */

/** Whether `dir`'s dist/ was built from its src/ as it is now. */
export function upToDate(dir: string): boolean;

/** Build the stale packages (client-sdk, then server); returns those built. */
export function buildIfStale(say?: (line: string) => void): string[];
