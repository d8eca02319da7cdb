/**
 * Brygga JSON (PROTOCOL.md §1.1) at every place the SDK reads a protocol object: a member named twice
 * is refused before anything is interpreted, even when everything else (encryption, signatures) is
 * valid. `JSON.parse` keeps the last copy, a first-wins parser the first: two implementations would read
 * two different packets from the same bytes.
 */
import {
  Agreement,
  BryggaError,
  Envelope,
  encryptKey,
  openPacket,
  parseStatement,
  RelayClient,
  readKeyFile,
  SigningKeyPair,
  sealPacket,
  signCompact,
  toBase64url,
  verifyCompact,
} from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { codeOfAsync as codeOf, codeOf as codeOfSync } from '../support/error-code.js';
import { agreementTerms, makeWorld } from '../support/fixtures.js';
import { framePlaintext, headerText, sealText, signRawClaims } from '../support/raw-envelope.js';

const world = makeWorld();
const stockholm = world.devices['stockholm-jarva'];
const malmo = world.devices.malmo;
const gbg = world.devices['goteborg-nordost'];
const enc = new TextEncoder();

async function sealed() {
  return sealPacket({
    sender: { unit: 'stockholm-jarva', key: stockholm.key },
    recipients: world.directory.recipientsFor(['malmo'], world.now),
    type: 'message',
    caseId: null,
    prev: null,
    body: { text: 'Hej' },
    now: world.now,
  });
}

function openAsMalmo(bytes: Uint8Array) {
  return openPacket({ envelope: bytes, device: malmo.receiving, directory: world.directory, now: world.now });
}

describe('a member named twice', () => {
  it('in the envelope header: the envelope is refused, though it decrypts and its packet verifies', async () => {
    const { envelope, jws } = await sealed();
    const h = envelope.header;
    // A first-wins reader (a relay, a Java client) sees Göteborg as the sender; JSON.parse sees Stockholm.
    const text = headerText(h).replace(
      '"sender":',
      `"sender":{"unit":"goteborg-nordost","device":"${gbg.key.kid}"},"sender":`,
    );
    expect(JSON.parse(text).sender.unit).toBe('stockholm-jarva');
    const bytes = sealText(text, h.nonce, [malmo.hpke[0]!.publicKey.bytes], framePlaintext(jws));
    expect(codeOfSync(() => Envelope.deserialize(bytes))).toBe('ERR_MALFORMED');
    expect(await codeOf(openAsMalmo(bytes))).toBe('ERR_MALFORMED');
  });

  it('in header bytes given to the constructor, also right after a deserialize read a good header', async () => {
    const { envelope } = await sealed();
    const doubled = enc.encode(headerText(envelope.header).replace('"v":1,', '"v":1,"v":1,'));
    const good = Envelope.deserialize(envelope.serialize());
    expect(good.header).toEqual(envelope.header);
    // The constructor reads every header it is given that deserialize did not just read itself.
    for (const bytes of [doubled, Uint8Array.from(good.headerBytes).fill(0x20, 0, 1)]) {
      expect(codeOfSync(() => new Envelope(bytes, good.keyEntries, good.ciphertext))).toBe('ERR_MALFORMED');
    }
  });

  it('in the signed claims: the packet is refused, though its signature is valid', async () => {
    const { envelope, claims } = await sealed();
    const text = JSON.stringify(claims).replace('"iss":', '"iss":"goteborg-nordost","iss":');
    expect(JSON.parse(text).iss).toBe('stockholm-jarva');
    const jws = signRawClaims(text, stockholm.key);
    const bytes = sealText(
      headerText(envelope.header),
      envelope.header.nonce,
      [malmo.hpke[0]!.publicKey.bytes],
      framePlaintext(jws),
    );
    expect(await codeOf(openAsMalmo(bytes))).toBe('ERR_MALFORMED');
  });

  it('in a JWS protected header', () => {
    const key = SigningKeyPair.generate();
    const good = signCompact('brygga-device+jws', { a: 1 }, key);
    const header = toBase64url(
      enc.encode(`{"alg":"EdDSA","typ":"brygga-device+jws","kid":"${key.kid}","typ":"brygga-device+jws"}`),
    );
    const payload = good.split('.')[1]!;
    const signature = toBase64url(key.sign(enc.encode(`${header}.${payload}`)));
    expect(codeOfSync(() => verifyCompact(good, 'brygga-device+jws', key.publicKey))).toBe('ok');
    expect(
      codeOfSync(() =>
        verifyCompact(`${header}.${payload}.${signature}`, 'brygga-device+jws', key.publicKey),
      ),
    ).toBe('ERR_MALFORMED');
  });

  it('in a directory statement signed by the unit root', () => {
    const claims = {
      v: 1,
      kind: 'brygga.device',
      unit: 'malmo',
      device: SigningKeyPair.generate().kid,
      key: '',
      name: 'x',
      iat: 1,
    };
    const device = SigningKeyPair.generate();
    claims.device = device.kid;
    claims.key = device.publicKey.serialize();
    const text = JSON.stringify(claims).replace('"unit":', '"unit":"goteborg-nordost","unit":');
    const jws = signCompact('brygga-device+jws', enc.encode(text), world.roots.malmo);
    expect(codeOfSync(() => parseStatement(jws))).toBe('ERR_MALFORMED');
    expect(codeOfSync(() => world.directory.apply(jws))).toBe('ERR_MALFORMED');
  });

  it('in an agreement document or its terms', () => {
    const doc = world.agreement.serialize();
    expect(codeOfSync(() => Agreement.deserialize(doc))).toBe('ok');
    expect(
      codeOfSync(() => Agreement.deserialize(doc.replace('{"payload":', '{"payload":"e30","payload":'))),
    ).toBe('ERR_MALFORMED');
    const terms = JSON.stringify(agreementTerms(world.roots)).replace('"title":', '"title":"Annat","title":');
    const forged = JSON.stringify({ payload: toBase64url(enc.encode(terms)), signatures: [] });
    expect(codeOfSync(() => Agreement.deserialize(forged))).toBe('ERR_MALFORMED');
  });

  it('in a key file', async () => {
    const file = JSON.stringify(
      await encryptKey(SigningKeyPair.generate(), 'lång nog lösenfras', {
        scrypt: { N: 2 ** 15, r: 8, p: 1 },
      }),
    );
    expect(codeOfSync(() => readKeyFile(file))).toBe('ok');
    expect(codeOfSync(() => readKeyFile(file.replace('"kdf":', '"kdf":{},"kdf":')))).toBe('ERR_MALFORMED');
  });

  it("in the relay's answer", async () => {
    const answer = (body: string) =>
      new RelayClient({
        baseUrl: 'https://relay.example.test',
        fetch: async () =>
          new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
      });
    expect(await answer('{"status":"ok","database":"ok"}').health()).toEqual({
      status: 'ok',
      database: 'ok',
    });
    const refused = await answer('{"status":"ok","database":"down","database":"ok"}')
      .health()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BryggaError);
    expect((refused as BryggaError).code).toBe('ERR_MALFORMED');
  });
});
