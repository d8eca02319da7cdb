/** The two storage engines the relay runs on. */
export type Engine = 'sqlite' | 'postgres';
