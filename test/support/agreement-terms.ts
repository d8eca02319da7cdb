/**
 * The agreement terms (PROTOCOL.md §5) every test world starts from: Stockholm, Göteborg and Malmö, two
 * cases each way, both categories and both threat levels (police approval for high threat and
 * protection cases, as in 2025), a catalogue of services, the 2025–2026 period. A world names its parties (each unit with its root key) and overrides only what it is about:
 * its period, its catalogue, a second agreement's sequence.
 */
import type { AgreementTerms, SigningPublicKey } from '@brygga/client-sdk';

/** Every unit a test world has, with its municipality and its name in the agreement. */
export const TEST_UNITS = {
  'stockholm-jarva': { municipality: 'stockholm', name: 'Järva stadsdelsförvaltning' },
  'stockholm-farsta': { municipality: 'stockholm', name: 'Farsta stadsdelsförvaltning' },
  'goteborg-nordost': { municipality: 'goteborg', name: 'Social resursförvaltning Nordost' },
  malmo: { municipality: 'malmo', name: 'Konsultationsteamet' },
} as const;

export type TestUnit = keyof typeof TEST_UNITS;

/** The three municipalities, two cases each way. */
export const MUNICIPALITIES: AgreementTerms['municipalities'] = [
  { id: 'stockholm', name: 'Stockholms stad', quota: { outgoing: 2, incoming: 2 } },
  { id: 'goteborg', name: 'Göteborgs stad', quota: { outgoing: 2, incoming: 2 } },
  { id: 'malmo', name: 'Malmö stad', quota: { outgoing: 2, incoming: 2 } },
];

/** A party: `unit` of its municipality, with its root key (a key, or its serialized form). */
export function party(unit: TestUnit, rootKey: SigningPublicKey | string): AgreementTerms['parties'][number] {
  const { municipality, name } = TEST_UNITS[unit];
  return { unit, municipality, name, rootKey: typeof rootKey === 'string' ? rootKey : rootKey.serialize() };
}

/** The terms for `parties`, with `overrides` (see the module header). */
export function agreementTerms(
  parties: AgreementTerms['parties'],
  overrides: Partial<AgreementTerms> = {},
): AgreementTerms {
  return {
    v: 1,
    kind: 'brygga.agreement',
    id: 'avhoppare-storstad',
    sequence: 1,
    supersedes: null,
    title: 'Avtal om samverkan för insatser till avhoppare',
    period: { from: '2025-01-01', to: '2026-12-31' },
    municipalities: MUNICIPALITIES,
    parties,
    catalogue: [
      { code: 'krisstod', name: 'Krisstöd' },
      { code: 'motivationssamtal', name: 'Motivationssamtal' },
      { code: 'kontaktperson', name: 'Kontaktperson' },
      { code: 'boendestod', name: 'Boendestöd' },
    ],
    admits: { categories: ['avhoppare', 'skyddsarende'], threatLevels: ['low', 'high'] },
    preconditions: {
      policeConsultation: true,
      policeApproval: { categories: ['skyddsarende'], threatLevels: ['high'] },
    },
    ...overrides,
  };
}

/** The period from January this year to December next year (for worlds that run on the real clock). */
export function periodFromThisYear(now = new Date()): AgreementTerms['period'] {
  const year = now.getUTCFullYear();
  return { from: `${year}-01-01`, to: `${year + 1}-12-31` };
}
