/**
 * `node --import ./trace-modules.mjs …`: appends the URL of every module the process resolves, one a
 * line, to the file named by TRACE_MODULES (a test's proof of what a command loads). The hook runs on
 * Node's module-loader thread (module.register).
 */
import { register } from 'node:module';

register('./trace-modules-hooks.mjs', import.meta.url);
