/** The resolve hook of trace-modules.mjs: records each resolved URL in the file TRACE_MODULES names. */
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (process.env.TRACE_MODULES) appendFileSync(process.env.TRACE_MODULES, `${resolved.url}\n`);
  return resolved;
}
