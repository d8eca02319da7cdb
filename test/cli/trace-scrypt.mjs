/**
 * `node --import ./trace-scrypt.mjs …`: appends a line `scrypt N=<cost>` to the file named by
 * TRACE_MODULES for every derivation started on `node:crypto`'s scrypt (libuv's pool), in the same file
 * as test/support/trace-modules.mjs writes the modules the process resolves. A call is written when it is
 * made, and a module when it is resolved, so the file's order is the process's: what derived before what
 * loaded.
 */

import crypto from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.TRACE_MODULES;
const scrypt = crypto.scrypt;
crypto.scrypt = function traced(password, salt, keylen, options, callback) {
  if (file) appendFileSync(file, `scrypt N=${typeof options === 'object' ? options.N : 'default'}\n`);
  return scrypt.call(this, password, salt, keylen, options, callback);
};
// `import { scrypt } from 'node:crypto'` sees the traced function too.
syncBuiltinESMExports();
