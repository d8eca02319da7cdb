/**
 * The printable consent form (PROTOCOL.md §12.3.1): Swedish, naming the person, both units and
 * municipalities, the police, the processing, the validity and the right to withdraw, with a place to
 * sign and date; its hash is the SHA-256 of its exact UTF-8 bytes, the one a written attestation carries.
 */

import { describe, expect, it } from 'vitest';
import { toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { consentFormBytes, consentFormSha256, consentFormText } from './consent-form.js';

const input = {
  person: 'Anonym Avhoppare',
  home: { unit: 'stockholm-jarva', name: 'Järva stadsdelsförvaltning', municipality: 'Stockholms stad' },
  receiving: { unit: 'malmo', name: 'Konsultationsteamet', municipality: 'Malmö stad' },
  validFrom: '2025-03-01',
  validUntil: '2026-02-28',
};

describe('the consent form', () => {
  it('covers the units, the police and the processing, the validity and withdrawal, and has a place to sign', () => {
    const text = consentFormText(input);
    for (const part of [
      'Jag, Anonym Avhoppare, samtycker',
      'Järva stadsdelsförvaltning (Stockholms stad) och Konsultationsteamet (Malmö stad)',
      'Polismyndigheten i Stockholms stad och i Malmö stad',
      'Mina personuppgifter får behandlas',
      'från och med 2025-03-01 till och med 2026-02-28',
      'återkalla samtycket',
      'Underskrift:',
      'Ort och datum:',
    ]) {
      expect(text).toContain(part);
    }
    expect(consentFormText({ ...input, validUntil: null })).toContain('tills samtycket återkallas');
  });

  it('is hashed over its exact UTF-8 bytes, and a different person or scope gives a different hash', () => {
    const bytes = consentFormBytes(input);
    expect(new TextDecoder().decode(bytes)).toBe(consentFormText(input));
    expect(consentFormSha256(input)).toBe(toBase64url(sha256(bytes)));
    expect(consentFormSha256(input)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(consentFormSha256({ ...input, person: 'Någon Annan' })).not.toBe(consentFormSha256(input));
    expect(consentFormSha256({ ...input, validUntil: null })).not.toBe(consentFormSha256(input));
  });
});
