/**
 * The directory (PROTOCOL.md §5–6):
 * - `GET /v1/directory[?after=<seq>]`, public: every agreement and the statements after `after`;
 * - `POST /v1/directory/statements`, public (statements are self-authenticating) and rate-limited per
 *   client address: verify a statement against the directory and store it (201; 200 if already stored);
 * - `POST /v1/admin/agreements`, with the admin token: install an agreement (201; 200 if installed);
 * - `POST /v1/admin/root-changes`, with the admin token: a root change signed by a unit's root in the
 *   chain (PROTOCOL.md §5.2), which a later extension may then use (201; 200 if already accepted).
 */
import { BryggaError } from '@brygga/client-sdk';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { checkAdminToken } from '../auth/index.js';
import { rateLimit } from './authenticate.js';
import type { RelayEnv, RouteDeps } from './context.js';
import { readJsonBody, requestSchemas, validJson } from './json-body.js';

/** Largest agreement document accepted (bytes). */
const MAX_AGREEMENT_BYTES = 1024 * 1024;
/** Largest statement submission accepted (bytes). */
const MAX_STATEMENT_BYTES = 64 * 1024;

const SEQ = /^\d{1,15}$/;

/** The directory routes. */
export function directoryRoutes(deps: RouteDeps): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  const schemas = requestSchemas();
  const byAddress = rateLimit(deps, 'address');
  const adminOnly = createMiddleware<RelayEnv>(async (c, next) => {
    checkAdminToken(deps.config.adminToken, c.req.header('authorization'));
    await next();
  });

  app.get('/directory', async (c) => {
    const after = c.req.query('after') ?? '0';
    if (!SEQ.test(after)) throw new BryggaError('ERR_MALFORMED', 'after must be a statement sequence number');
    return c.json(await deps.directory.listing(Number(after)));
  });

  app.post(
    '/directory/statements',
    byAddress,
    readJsonBody(MAX_STATEMENT_BYTES),
    validJson(schemas.statement),
    async (c) => {
      const { created, seq } = await deps.directory.addStatement(c.req.valid('json').jws);
      if (created) deps.transparency?.notify();
      return c.json({ seq }, created ? 201 : 200);
    },
  );

  app.post(
    '/admin/agreements',
    byAddress,
    adminOnly,
    readJsonBody(MAX_AGREEMENT_BYTES),
    validJson(schemas.agreement),
    async (c) => {
      const { created, digest, sequence } = await deps.directory.installAgreement(c.req.valid('json'));
      if (created) deps.transparency?.notify();
      deps.logger.info(created ? 'agreement installed' : 'agreement already installed', { digest, sequence });
      return c.json({ digest, sequence }, created ? 201 : 200);
    },
  );

  app.post(
    '/admin/root-changes',
    byAddress,
    adminOnly,
    readJsonBody(MAX_STATEMENT_BYTES),
    validJson(schemas.rootChange),
    async (c) => {
      const { created, pin } = await deps.directory.acceptRootChange(c.req.valid('json').jws);
      deps.logger.info(created ? 'root change accepted' : 'root change already accepted', { unit: pin.unit });
      return c.json(pin, created ? 201 : 200);
    },
  );

  return app;
}
