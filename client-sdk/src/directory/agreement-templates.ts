/**
 * Ready-made agreement terms (PROTOCOL.md §5, §5.3–5.5) as the source decisions set them, for
 * `brygga agreement init --template 2023|2025`, so administrators edit terms rather than write them:
 *
 * - 2023: the agreement approved by Rinkeby-Kista stadsdelsnämnd 2022-12-15, between Stockholms stad
 *   (socialnämnden, whose central defector unit sits at Enheten för hemlösa, Rinkeby-Kista and
 *   Spånga-Tensta stadsdelsnämnder), Göteborgs stad (socialnämnderna Nordost, Centrum, Sydväst and
 *   Hisingen) and Malmö (Arbetsmarknads- och socialnämnden): 12 months from 2023-01-01, one case each
 *   way per city, defectors at a lower threat level, police consultation (samråd) in both municipalities.
 * - 2025: the extension approved by Socialnämnden Stockholm 2024-12-10 (Stockholm through socialnämnden,
 *   Järva and Farsta; Göteborg through Nordost, Centrum and Hisingen; Malmö): 2025, two cases each way,
 *   also high threat and protection cases (skyddsärenden), which need the police's approval
 *   (godkännande) in both municipalities.
 *
 * Both have the agreement's catalogue of services (insatskatalog), each city offering the whole of it
 * (the agreement brings no duty to procure a service a municipality does not already offer: an
 * administrator narrows `offers` to what the city has), the target group's four criteria, an urgent
 * child notice answered at once (within a day), costs reconciled every six months, monthly follow-up,
 * records kept five years, deviations (avsteg) only from the police consultation: done after the fact
 * for special reasons such as acute lack of time (Göteborgs Stads riktlinje för avhopparverksamheten), and
 * Göteborg's planned relocation places notified in advance to Social resursnämnd (the same guideline),
 * and its special cases assessed by stadsledningskontoret (the same guideline). The 2025 terms also
 * have Göteborg check placements against rival groups (`rivalCheck`: a referral to Göteborg states the
 * person's group affiliation, and Göteborg's acceptance carries its check; PROTOCOL.md §14.6 (5)); the
 * 2023 terms do not.
 *
 * The root keys are the units' own: a party without one in `roots` gets {@link rootKeyPlaceholder},
 * which no terms parser accepts, so an agreement cannot be made until every key is filled in.
 */
import type { AgreementTerms, CatalogueService, Party } from './agreement.js';
import { TARGET_CRITERIA } from './precondition-terms.js';

/** The years a template exists for. */
export const AGREEMENT_TEMPLATES = ['2023', '2025'] as const;

/** A template's year. */
export type AgreementTemplate = (typeof AGREEMENT_TEMPLATES)[number];

/** The agreement's catalogue of services (insatskatalog), with the codes the SDK's referrals use. */
export const TEMPLATE_CATALOGUE: readonly CatalogueService[] = Object.freeze([
  { code: 'krisstod', name: 'Krisstöd' },
  { code: 'motivationssamtal', name: 'Motivationssamtal' },
  { code: 'sig-lots', name: 'Praktiskt stöd från SIG-lots' },
  { code: 'kontaktperson', name: 'Kontaktperson' },
  { code: 'boendestod', name: 'Boendestöd' },
  { code: 'missbruksbehandling', name: 'Missbruksbehandling' },
  { code: 'budget-skuldradgivning', name: 'Budget- och skuldrådgivning' },
  { code: 'oppenvard', name: 'Öppenvårdsbehandling' },
  { code: 'kriminalitet-som-livsstil', name: 'Kriminalitet som livsstil' },
  { code: 'psykiatri', name: 'Kontakt med psykiatri' },
  { code: 'arbetsinriktade-insatser', name: 'Arbetsinriktade insatser (till exempel KRAMI)' },
]);

const MUNICIPALITIES = [
  { id: 'stockholm', name: 'Stockholms stad' },
  { id: 'goteborg', name: 'Göteborgs stad' },
  { id: 'malmo', name: 'Malmö stad' },
] as const;

const STOCKHOLM_CENTRAL = [
  'stockholm-socialforvaltningen',
  'stockholm',
  'Socialförvaltningen, avhopparverksamheten vid Enheten för hemlösa',
] as const;
const MALMO = ['malmo', 'malmo', 'Arbetsmarknads- och socialförvaltningen, Konsultationsteamet'] as const;

/** The units of each template: [unit, municipality, name], as the decision names the parties. */
const UNITS: Record<AgreementTemplate, readonly (readonly [string, string, string])[]> = {
  '2023': [
    STOCKHOLM_CENTRAL,
    ['stockholm-rinkeby-kista', 'stockholm', 'Rinkeby-Kista stadsdelsförvaltning'],
    ['stockholm-spanga-tensta', 'stockholm', 'Spånga-Tensta stadsdelsförvaltning'],
    ['goteborg-nordost', 'goteborg', 'Socialförvaltningen Nordost'],
    ['goteborg-centrum', 'goteborg', 'Socialförvaltningen Centrum'],
    ['goteborg-hisingen', 'goteborg', 'Socialförvaltningen Hisingen'],
    ['goteborg-sydvast', 'goteborg', 'Socialförvaltningen Sydväst'],
    MALMO,
  ],
  '2025': [
    STOCKHOLM_CENTRAL,
    ['stockholm-jarva', 'stockholm', 'Järva stadsdelsförvaltning'],
    ['stockholm-farsta', 'stockholm', 'Farsta stadsdelsförvaltning'],
    ['goteborg-nordost', 'goteborg', 'Socialförvaltningen Nordost'],
    ['goteborg-centrum', 'goteborg', 'Socialförvaltningen Centrum'],
    ['goteborg-hisingen', 'goteborg', 'Socialförvaltningen Hisingen'],
    MALMO,
  ],
};

/** Whether `name` is a template's year. */
export function isAgreementTemplate(name: string): name is AgreementTemplate {
  return (AGREEMENT_TEMPLATES as readonly string[]).includes(name);
}

/** The parties a template names (without root keys), in the order of its terms. */
export function templateUnits(year: AgreementTemplate): Omit<Party, 'rootKey'>[] {
  return UNITS[year].map(([unit, municipality, name]) => ({ unit, municipality, name }));
}

/** What stands in a template's terms for a unit's root key not yet given: refused by the terms parser. */
export function rootKeyPlaceholder(unit: string): string {
  return `FILL IN: the root key of ${unit} (brygga unit init)`;
}

/**
 * The terms of `year` as the decisions set them, each party's `rootKey` from `roots` (unit → base64url
 * Ed25519 public key) or {@link rootKeyPlaceholder}. A first agreement by default; an extension passes
 * its `sequence` and the digest of the agreement it `supersedes`.
 *
 * @example
 * import { Agreement, agreementTemplate } from '@brygga/client-sdk';
 * const agreement = Agreement.create(agreementTemplate('2025', roots, { sequence: 2, supersedes }));
 */
export function agreementTemplate(
  year: AgreementTemplate,
  roots: Readonly<Record<string, string>> = {},
  chain: { sequence?: number; supersedes?: string | null } = {},
): AgreementTerms {
  const quota = year === '2023' ? 1 : 2;
  const codes = TEMPLATE_CATALOGUE.map((c) => c.code);
  return {
    v: 1,
    kind: 'brygga.agreement',
    id: 'avhoppare-storstad',
    sequence: chain.sequence ?? 1,
    supersedes: chain.supersedes ?? null,
    title:
      year === '2023'
        ? 'Avtal om samverkan för insatser till avhoppare'
        : 'Avtal om samverkan för insatser till avhoppare, förlängning 2025',
    period: { from: `${year}-01-01`, to: `${year}-12-31` },
    municipalities: MUNICIPALITIES.map((m) => ({
      ...m,
      quota: { outgoing: quota, incoming: quota },
      offers: [...codes],
      // Göteborg's guideline: the planned relocation place is notified in advance to Social resursnämnd.
      ...(m.id === 'goteborg' ? { relocationNotice: 'Social resursnämnd' } : {}),
      // Göteborg's guideline: in special cases, stadsledningskontoret (KC) makes the assessment.
      ...(m.id === 'goteborg' ? { specialCases: 'Stadsledningskontoret' } : {}),
      // Göteborg's 2025 terms: placements checked against rival groups (stadsledningskontorets
      // tjänsteutlåtande, dnr 0952/18: "så att avhoppare från rivaliserande gäng inte placeras i samma
      // kommun eller i grannkommuner"). The 2023 terms predate the check and leave it out (default false).
      ...(m.id === 'goteborg' && year === '2025' ? { rivalCheck: true } : {}),
    })),
    parties: templateUnits(year).map((p) => ({ ...p, rootKey: roots[p.unit] ?? rootKeyPlaceholder(p.unit) })),
    catalogue: TEMPLATE_CATALOGUE.map((c) => ({ ...c })),
    admits:
      year === '2023'
        ? { categories: ['avhoppare'], threatLevels: ['low'] }
        : { categories: ['avhoppare', 'skyddsarende'], threatLevels: ['low', 'high'] },
    reporting: {
      followUpIntervalMonths: 1,
      reconciliationIntervalMonths: 6,
      childNoticeAnswerDays: 1,
      retentionYears: 5,
    },
    preconditions: {
      policeConsultation: true,
      policeApproval:
        year === '2023'
          ? { categories: [], threatLevels: [] }
          : { categories: ['skyddsarende'], threatLevels: ['high'] },
      targetGroup: [...TARGET_CRITERIA],
    },
    deviations: { deviable: ['police-consultation'] },
  };
}
