/**
 * The printable consent form (samtyckesblankett; PROTOCOL.md §12.3.1): the Swedish text a person signs
 * to consent to lifting secrecy between the case's units and the police, and to the processing of the
 * data, generated for the case's scope. The attestation of a written consent carries the SHA-256 of the
 * form's exact bytes (UTF-8, {@link consentFormBytes}), so the paper the person signed can be matched to
 * the attestation: print the form, have it signed, keep it, attest with {@link consentFormSha256}.
 */
import { hashConsentForm } from './consent.js';

/** A party the consent names: a unit and its municipality, as the agreement names them. */
export interface ConsentFormParty {
  unit: string;
  name: string;
  municipality: string;
}

/** What the form says. */
export interface ConsentFormInput {
  /** The person's name. */
  person: string;
  /** The home unit (hemkommunens avhopparverksamhet). */
  home: ConsentFormParty;
  /** The receiving unit (mottagande kommun). */
  receiving: ConsentFormParty;
  validFrom: string;
  validUntil: string | null;
}

/** The form as text: Swedish, one line a paragraph, ending with a place to sign and date. */
export function consentFormText(input: ConsentFormInput): string {
  const { person, home, receiving } = input;
  const until =
    input.validUntil === null
      ? 'tills vidare, tills samtycket återkallas'
      : `till och med ${input.validUntil}`;
  return [
    'SAMTYCKE',
    'till att sekretessen hävs och till behandling av personuppgifter',
    '',
    `Jag, ${person}, samtycker till följande.`,
    '',
    '1. Sekretessen hävs mellan socialtjänsterna',
    `   Uppgifter om mig och mitt ärende får lämnas mellan ${home.name} (${home.municipality}) och ${receiving.name} (${receiving.municipality}), inom samverkan för insatser till avhoppare (offentlighets- och sekretesslagen 10 kap. 1 §).`,
    '',
    '2. Sekretessen hävs mot Polismyndigheten',
    `   Uppgifter om mig får lämnas mellan socialtjänsten och Polismyndigheten i ${home.municipality} och i ${receiving.municipality}, för samråd om och godkännande av mitt ärende.`,
    '',
    '3. Behandling av personuppgifter',
    '   Mina personuppgifter får behandlas av enheterna ovan för att planera, genomföra och följa upp insatserna (dataskyddsförordningen). Uppgifterna skickas krypterat och läses bara av de handläggare som har ärendet.',
    '',
    '4. Giltighet',
    `   Samtycket gäller från och med ${input.validFrom} ${until}.`,
    '',
    '5. Rätt att återkalla',
    '   Jag kan när som helst återkalla samtycket, muntligt eller skriftligt, hos någon av enheterna. Det som redan har lämnats ut påverkas inte.',
    '',
    'Underskrift: ____________________________________',
    '',
    'Namnförtydligande: ______________________________',
    '',
    'Ort och datum: __________________________________',
    '',
  ].join('\n');
}

/** The form's exact bytes (UTF-8), the ones the attestation's hash is of. */
export function consentFormBytes(input: ConsentFormInput): Uint8Array {
  return new TextEncoder().encode(consentFormText(input));
}

/** The base64url SHA-256 of the form's bytes, for `written.documentSha256`. */
export function consentFormSha256(input: ConsentFormInput): string {
  return hashConsentForm(consentFormBytes(input));
}
