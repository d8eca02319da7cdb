/**
 * The receiving municipality's own terms in the agreement (PROTOCOL.md §5.5): members of
 * `municipalities[]` that say what each municipality does when it receives a case. Every member is
 * optional, so terms written before them stay valid, and each has a documented default.
 *
 * - `offers`: the catalogue services the municipality itself offers. The cooperation agreement puts
 *   no duty on a receiving municipality to procure services it does not already offer; a referral
 *   requests, and a plan holds, only these. Default: the whole catalogue.
 * - `relocationNotice`: the body a receiving unit of the municipality notifies in advance of the
 *   planned relocation area (in Göteborg, Social resursnämnd); an acceptance by its units then carries
 *   the relocation pre-check (PROTOCOL.md §14.6 (3)). Default: none, and the pre-check is optional.
 * - `specialCases`: the body that assesses a case a unit of the municipality marks as special
 *   (särskilt avhopparärende; in Göteborg, stadsledningskontoret); an uptake decision marking a case
 *   special then carries that body's assessment (PROTOCOL.md §14.6 (4)). Default: none.
 * - `rivalCheck`: `true` when the municipality checks placements against rival groups (in Göteborg,
 *   seed 004): a referral to its units then states the person's group affiliation, and their acceptance
 *   carries the rival-group check (PROTOCOL.md §14.6 (5)). Default: false.
 */
import { arr, fail, ID_PATTERN, str } from './validate.js';

/** The members of a municipality (§5.5) this module reads. */
export const RECEIVING_MEMBERS = ['offers', 'relocationNotice', 'specialCases', 'rivalCheck'] as const;

/** The source document of each receiving rule, as a refusal names it (PROTOCOL.md §14.6). */
export const RECEIVING_SOURCES = Object.freeze({
  relocation:
    'Riktlinje för Göteborgs Stads arbete med avhoppare (stadsledningskontoret, dnr 0952/18): "Socialnämnderna ska även i förväg anmäla planerad omlokaliseringsplats till Social resursnämnd"',
  special:
    'Riktlinje för Göteborgs Stads arbete med avhoppare (stadsledningskontoret, dnr 0952/18): "I särskilda avhopparärenden ska stadsledningskontoret (KC) istället göra den bedömningen"',
  rivals:
    'Stadsledningskontorets tjänsteutlåtande om policy och riktlinje för Göteborgs Stads arbete med avhoppare (dnr 0952/18): "En ökad samordning med polisen är ett annat område som kan utvecklas, så att avhoppare från rivaliserande gäng inte placeras i samma kommun eller i grannkommuner"',
});

/** What a municipality's entry in the terms may say about receiving cases (PROTOCOL.md §5.5). */
export interface ReceivingTerms {
  /** Catalogue codes of the services the municipality offers (default: the whole catalogue). */
  offers?: string[];
  /** The body its receiving units notify in advance of a planned relocation area (default: none). */
  relocationNotice?: string;
  /** The body that assesses a case its units mark as special (default: none). */
  specialCases?: string;
  /** Whether its units check placements against rival groups (default: false). */
  rivalCheck?: boolean;
}

/**
 * Validate the receiving members of `municipalities[i]` (`o`) against the catalogue `codes`;
 * ERR_MALFORMED naming the member.
 */
export function validateReceivingTerms(
  o: Record<string, unknown>,
  i: number,
  codes: readonly string[],
): void {
  if (o.offers !== undefined) {
    const offers = arr(o.offers, `municipalities[${i}].offers`, 500).map((c, j) =>
      str(c, `municipalities[${i}].offers[${j}]`, ID_PATTERN),
    );
    if (new Set(offers).size !== offers.length) fail(`municipalities[${i}].offers lists a service twice`);
    const unknown = offers.filter((c) => !codes.includes(c));
    if (unknown.length > 0) fail(`municipalities[${i}].offers names a service not in the catalogue`);
  }
  if (o.relocationNotice !== undefined) {
    const body = str(o.relocationNotice, `municipalities[${i}].relocationNotice`, undefined, 200);
    if (body.trim() === '') fail(`municipalities[${i}].relocationNotice must name a body`);
  }
  if (o.specialCases !== undefined) {
    const body = str(o.specialCases, `municipalities[${i}].specialCases`, undefined, 200);
    if (body.trim() === '') fail(`municipalities[${i}].specialCases must name a body`);
  }
  if (o.rivalCheck !== undefined && typeof o.rivalCheck !== 'boolean') {
    fail(`municipalities[${i}].rivalCheck must be true or false`);
  }
}

/**
 * Whether the units of `municipality` check placements against rival groups (its `rivalCheck`): a
 * referral to them states the person's group affiliation, and their acceptance carries the check.
 */
export function rivalCheckOf(
  terms: { municipalities: readonly ({ id: string } & ReceivingTerms)[] },
  municipality: string,
): boolean {
  return terms.municipalities.find((x) => x.id === municipality)?.rivalCheck === true;
}

/**
 * The body that assesses a case a unit of `municipality` marks as special (its `specialCases`), or
 * null when the terms name none.
 */
export function specialCasesOf(
  terms: { municipalities: readonly ({ id: string } & ReceivingTerms)[] },
  municipality: string,
): string | null {
  return terms.municipalities.find((x) => x.id === municipality)?.specialCases ?? null;
}

/**
 * The body a receiving unit of `municipality` notifies in advance of a planned relocation area (its
 * `relocationNotice`), or null when the terms name none.
 */
export function relocationNoticeOf(
  terms: { municipalities: readonly ({ id: string } & ReceivingTerms)[] },
  municipality: string,
): string | null {
  return terms.municipalities.find((x) => x.id === municipality)?.relocationNotice ?? null;
}

/**
 * The catalogue codes `municipality` offers as a receiving municipality: its `offers`, or the whole
 * catalogue when the terms leave it out.
 */
export function offeredServices(
  terms: {
    catalogue: readonly { code: string }[];
    municipalities: readonly ({ id: string } & ReceivingTerms)[];
  },
  municipality: string,
): string[] {
  const m = terms.municipalities.find((x) => x.id === municipality);
  return m?.offers ? [...m.offers] : terms.catalogue.map((c) => c.code);
}
