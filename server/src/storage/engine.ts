/** The two storage engines the relay runs on (issue 3, item 6). */
export type Engine = 'sqlite' | 'postgres';
