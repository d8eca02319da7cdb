/**
 * Envelope benchmark. Seal+sign and open+verify of a 4 KiB packet to three
 * recipient devices and of an 8 MiB attachment, printed beside the raw cost of the primitives the
 * envelope is built from, measured in the same run:
 * - seal = 1 Ed25519 signature + per recipient 2 X25519 (ephemeral key, DH) + XChaCha20-Poly1305 over the
 *   padded plaintext;
 * - open = 1 X25519 + XChaCha20-Poly1305 over the padded plaintext + 1 Ed25519 verification.
 * Targets: envelope within 1.3x of the sum of its primitives; attachments at >= 80% of raw
 * XChaCha20-Poly1305 throughput.
 */
import { openPacket, sealPacket } from '@brygga/client-sdk';
import { xchachaOpen, xchachaSeal } from '../../client-sdk/src/crypto/aead.js';
import { ed25519Sign, ed25519Verify } from '../../client-sdk/src/crypto/ed25519.js';
import { x25519PublicKey, x25519SharedSecret } from '../../client-sdk/src/crypto/x25519.js';
import { makeDevice, makeWorld } from '../support/fixtures.js';
import { interleavedMedians, randomData, row } from './measure.js';

export async function runEnvelopeBench(): Promise<void> {
  const world = makeWorld(new Date());
  // Three recipient devices: two in Malmö, one in Göteborg.
  const extra = makeDevice('malmo', world.roots.malmo, world.now, 'Malmö andra');
  world.directory.applyAll([extra.enrolment, ...extra.publications]);
  const recipients = world.directory.recipientsFor(['malmo', 'goteborg-nordost'], world.now);
  const sender = { unit: 'stockholm-jarva', key: world.devices['stockholm-jarva'].key };
  const receiver = world.devices.malmo;

  const key = randomData(32);
  const nonce = randomData(24);
  const aad = randomData(400);
  const edSecret = randomData(32);
  const edPublic = (await import('../../client-sdk/src/crypto/ed25519.js')).ed25519PublicKey(edSecret);
  const xSecret = randomData(32);
  const xPeer = x25519PublicKey(randomData(32));

  console.log('\nEnvelope (client-sdk/src/envelope): median ms per operation');

  // 4 KiB packet to 3 devices.
  const body = { text: 'x'.repeat(4096) };
  const sealed = await sealPacket({ sender, recipients, type: 'message', body, now: world.now });
  const paddedLength = sealed.envelope.ciphertext.length - 16;
  const jwsBytes = new TextEncoder().encode(sealed.jws);
  const plain = randomData(paddedLength);
  const ct = xchachaSeal(key, nonce, aad, plain);
  const signature = ed25519Sign(edSecret, jwsBytes);

  const bytes = sealed.envelope.serialize();
  const m = await interleavedMedians(
    {
      x: () => x25519SharedSecret(xSecret, xPeer),
      xpub: () => x25519PublicKey(xSecret),
      sign: () => ed25519Sign(edSecret, jwsBytes),
      verify: () => ed25519Verify(signature, jwsBytes, edPublic),
      enc: () => xchachaSeal(key, nonce, aad, plain),
      dec: () => xchachaOpen(key, nonce, aad, ct),
      seal: () => sealPacket({ sender, recipients, type: 'message', body, now: world.now }),
      open: () => openPacket({ envelope: bytes, device: receiver.receiving, directory: world.directory }),
    },
    80,
  );
  const {
    x: tX,
    xpub: tXpub,
    sign: tSign,
    verify: tVerify,
    enc: tEnc,
    dec: tDec,
    seal: tSeal,
    open: tOpen,
  } = m;
  const sealSum = tSign + recipients.length * (tXpub + tX) + tEnc;
  const openSum = tX + tDec + tVerify;

  row('primitive', 'ms');
  row('X25519 shared secret', tX.toFixed(3));
  row('X25519 public key', tXpub.toFixed(3));
  row('Ed25519 sign (JWS)', tSign.toFixed(3));
  row('Ed25519 verify (strict)', tVerify.toFixed(3));
  row(`XChaCha20-Poly1305 seal ${paddedLength} B`, tEnc.toFixed(3));
  row(`XChaCha20-Poly1305 open ${paddedLength} B`, tDec.toFixed(3));
  row('4 KiB packet, 3 devices', 'envelope ms', 'primitives ms', 'ratio');
  row('  seal + sign', tSeal.toFixed(3), sealSum.toFixed(3), `${(tSeal / sealSum).toFixed(2)}x`);
  row('  open + verify', tOpen.toFixed(3), openSum.toFixed(3), `${(tOpen / openSum).toFixed(2)}x`);

  // 8 MiB attachment to 3 devices.
  const size = 8 * 1024 * 1024;
  const data = randomData(size);
  const attachments = [{ name: 'utredning.pdf', type: 'application/pdf', data }];
  const big = await sealPacket({
    sender,
    recipients,
    type: 'message',
    body: {},
    attachments,
    now: world.now,
  });
  const bigPadded = big.envelope.ciphertext.length - 16;
  const bigPlain = randomData(bigPadded);
  const bigCt = xchachaSeal(key, nonce, aad, bigPlain);
  const bigBytes = big.envelope.serialize();
  const b = await interleavedMedians(
    {
      rawEnc: () => xchachaSeal(key, nonce, aad, bigPlain),
      rawDec: () => xchachaOpen(key, nonce, aad, bigCt),
      seal: () => sealPacket({ sender, recipients, type: 'message', body: {}, attachments, now: world.now }),
      open: () => openPacket({ envelope: bigBytes, device: receiver.receiving, directory: world.directory }),
    },
    9,
    1,
  );
  const { rawEnc: tRawEnc, rawDec: tRawDec, seal: tBigSeal, open: tBigOpen } = b;
  const mib = size / 1024 / 1024;
  const mbps = (ms: number) => `${(mib / (ms / 1000)).toFixed(1)} MiB/s`;
  row('8 MiB attachment, 3 devices', 'envelope', 'raw XChaCha', 'share');
  row('  seal + sign', mbps(tBigSeal), mbps(tRawEnc), `${((tRawEnc / tBigSeal) * 100).toFixed(0)}%`);
  row('  open + verify', mbps(tBigOpen), mbps(tRawDec), `${((tRawDec / tBigOpen) * 100).toFixed(0)}%`);
  row('  padded size / attachment size', `${((bigPadded / size - 1) * 100).toFixed(2)}% overhead`);
}
