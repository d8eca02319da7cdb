/**
 * `POST /v1/packets` (PROTOCOL.md §7.1): submit a sealed envelope.
 *
 * Checked before anything is stored, in this order: rate (`ERR_RATE_LIMITED`), media type
 * (`ERR_UNSUPPORTED_MEDIA_TYPE`), size while streaming (`ERR_PAYLOAD_TOO_LARGE`), envelope structure with
 * the SDK's `Envelope.deserialize` (`ERR_MALFORMED`, `ERR_UNSUPPORTED_VERSION`, `ERR_TOO_MANY_RECIPIENTS`),
 * the sender named in the header is the authenticated device and its unit (`ERR_FORBIDDEN`), every
 * recipient is an active device of the unit the header names and that unit a party (`ERR_KEY_REVOKED`,
 * `ERR_UNKNOWN_KEY`, `ERR_NOT_IN_AGREEMENT`), and each recipient's key id is a currently valid HPKE key
 * published by that device (`ERR_UNKNOWN_KEY`, `ERR_KEY_EXPIRED`), and the packet fits in what the
 * sending device and its unit may have waiting at the relay (`ERR_SENDER_QUOTA`, PROTOCOL.md §9). A
 * retry of an accepted packet is refused by neither the directory checks nor the quota, so it gets the
 * same answer as the first time. Then the envelope, its
 * digest and one delivery per recipient are committed in one transaction; 201 is sent only after the
 * commit. The same id with the same bytes again is 200 with the same receipt; with other bytes
 * `ERR_CONFLICT`.
 */
import { createHash } from 'node:crypto';
import {
  BryggaError,
  type Directory,
  ENVELOPE_MEDIA_TYPE,
  Envelope,
  isBryggaError,
} from '@brygga/client-sdk';
import { type Context, Hono } from 'hono';
import { type AuthenticatedDevice, CLOCK_TOLERANCE_SECONDS, tokenRefusal } from '../auth/index.js';
import { Problem } from '../problem.js';
import { authenticate, enforceRate } from './authenticate.js';
import { readRequestBody, requireMediaType } from './body.js';
import { isoTime, type RelayEnv, type RouteDeps } from './context.js';

/** Seconds a sender over its quota is told to wait: recipients fetch within minutes when online. */
const QUOTA_RETRY_SECONDS = 60;

/** The directory's refusal of a recipient device, saying which recipient it is about. */
function recipientRefusal(err: unknown, device: string): unknown {
  if (isBryggaError(err, 'ERR_KEY_REVOKED')) {
    return new BryggaError('ERR_KEY_REVOKED', `recipient device ${device} is revoked`, { cause: err });
  }
  if (isBryggaError(err, 'ERR_NOT_IN_AGREEMENT')) {
    return new BryggaError('ERR_NOT_IN_AGREEMENT', `recipient device ${device} is not of a party`, {
      cause: err,
    });
  }
  if (isBryggaError(err, 'ERR_UNKNOWN_KEY')) {
    return new BryggaError('ERR_UNKNOWN_KEY', `recipient device ${device} is not enrolled`, { cause: err });
  }
  return err;
}

function checkRecipients(directory: Directory, envelope: Envelope, now: number): void {
  const seconds = Math.floor(now / 1000);
  for (const r of envelope.header.recipients) {
    if (!directory.agreement.rootKeyOf(r.unit)) {
      throw new BryggaError(
        'ERR_NOT_IN_AGREEMENT',
        `recipient unit ${r.unit} is not a party to the agreement`,
      );
    }
    let device: { unit: string };
    try {
      device = directory.activeDevice(r.device);
    } catch (err) {
      throw recipientRefusal(err, r.device);
    }
    if (device.unit !== r.unit) {
      throw new BryggaError('ERR_UNKNOWN_KEY', `recipient device ${r.device} is not a device of ${r.unit}`);
    }
    const key = directory.hpkeKey(r.key);
    if (!key || key.device !== r.device) {
      throw new BryggaError(
        'ERR_UNKNOWN_KEY',
        `recipient key ${r.key} is not published by device ${r.device}`,
      );
    }
    if (key.exp <= seconds || key.nbf > seconds + CLOCK_TOLERANCE_SECONDS) {
      throw new BryggaError('ERR_KEY_EXPIRED', `recipient key ${r.key} is not valid now`);
    }
  }
}

/** The packet submission route. */
export function packetRoutes(deps: RouteDeps): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  // The token id is recorded in the submission's own transaction: one durable commit per packet.
  app.post('/packets', authenticate(deps, { recordToken: false }), async (c) => {
    const sender = c.get('device');
    try {
      return await submit(c, sender);
    } catch (err) {
      // A refused request still uses up its token, so the same token cannot be tried again.
      await deps.store.useToken(sender.token).catch(() => 'replayed');
      throw err;
    }
  });

  async function submit(c: Context<RelayEnv>, sender: AuthenticatedDevice) {
    enforceRate(deps, 'device', sender.kid);
    requireMediaType(c.req.header('content-type'), ENVELOPE_MEDIA_TYPE);
    const bytes = await readRequestBody(c, deps.config.maxEnvelopeBytes);
    const envelope = Envelope.deserialize(bytes);
    const { header } = envelope;
    c.set('packet', header.id);
    if (header.sender.device !== sender.kid || header.sender.unit !== sender.unit) {
      throw new BryggaError(
        'ERR_FORBIDDEN',
        'the envelope must name the authenticated device and its unit as sender',
      );
    }
    if (header.recipients.length > deps.config.maxRecipients) {
      throw new BryggaError(
        'ERR_TOO_MANY_RECIPIENTS',
        `at most ${deps.config.maxRecipients} recipient devices`,
      );
    }
    const now = deps.now();
    const digest = createHash('sha256').update(bytes).digest('base64url');
    try {
      checkRecipients(c.get('directory'), envelope, now);
    } catch (refusal) {
      // A retry is answered as the first submission was, even if the directory changed since: the
      // idempotency record is read only here, on the rare refusal, not before every submission (the
      // insert's conflict tells a first submission from a retry in the same transaction).
      if (!(await deps.store.receipt(header.id))) throw refusal;
    }
    await checkQuota(sender, header.id, bytes.length, now);
    const outcome = await deps.store.submit({
      id: header.id,
      digest,
      sender: header.sender,
      recipients: header.recipients,
      envelope: bytes,
      receivedAt: now,
      expiresAt: now + deps.config.packetTtlSeconds * 1000,
      token: sender.token,
    });
    if (
      outcome.status === 'replayed' ||
      outcome.status === 'before-restart' ||
      outcome.status === 'before-database-restart'
    )
      throw tokenRefusal(outcome.status);
    if (outcome.status === 'conflict') {
      throw new BryggaError('ERR_CONFLICT', 'a different packet was already submitted under this id');
    }
    const { receipt } = outcome;
    if (outcome.status === 'created') {
      deps.transparency?.notify();
      deps.metrics.countSubmission();
    }
    return c.json(
      {
        id: receipt.id,
        digest: receipt.digest,
        receivedAt: isoTime(receipt.receivedAt),
        expiresAt: isoTime(receipt.expiresAt),
      },
      outcome.status === 'created' ? 201 : 200,
    );
  }
  /**
   * Refuse a packet that would take the sending device or unit over its quota of bytes waiting at the
   * relay (PROTOCOL.md §9), unless it is a packet already stored (a retry is answered as before).
   */
  async function checkQuota(sender: AuthenticatedDevice, id: string, size: number, now: number) {
    const queued = await deps.store.queuedBytes(sender.unit, sender.kid, now);
    const { maxQueuedBytesPerDevice: perDevice, maxQueuedBytesPerUnit: perUnit } = deps.config;
    const over =
      queued.device + size > perDevice
        ? `the sending device has ${queued.device} bytes waiting for their recipients; at most ${perDevice}`
        : queued.unit + size > perUnit
          ? `the sending unit has ${queued.unit} bytes waiting for their recipients; at most ${perUnit}`
          : undefined;
    if (over === undefined || (await deps.store.receipt(id))) return;
    throw new Problem('ERR_SENDER_QUOTA', over, {
      headers: { 'retry-after': String(QUOTA_RETRY_SECONDS) },
    });
  }

  return app;
}
