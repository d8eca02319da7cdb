/** Exit codes scripts can trust: 0 ok, 1 refused or failed, 2 usage. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;
