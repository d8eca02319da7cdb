/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Groups of fields several forms share, each with the reader that turns its answers into the SDK's
 * shape: a contact person, a legal basis (laga grund), the outcome measures, and the consent (written,
 * with the signed form's SHA-256 computed in the browser, or oral with its witness).
 *
 * The consent form's file is never uploaded: its file input has no `name`, so a browser never sends it,
 * and the page's script hashes it with WebCrypto (SHA-256) into the checksum field. Without script the
 * coordinator pastes the checksum from `brygga consent hash <file>`.
 */
import type {
  ConsentDetails,
  ContactPerson,
  LegalBasis,
  OutcomeMeasures,
  OutcomeValue,
} from '../../index.js';
import { type FormReader, MAX_SHORT, MAX_TEXT } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import {
  Choices,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  Input,
  Textarea,
} from '../_views/components.js';

/** The SDK's shapes of a phone number and an email address (PROTOCOL.md §12.2). */
const PHONE = /^\+?[0-9 ()-]{5,30}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
/** base64url SHA-256. */
export const HASH = /^[A-Za-z0-9_-]{43}$/;

interface Common {
  texts: Texts;
  values: FormValues;
  errors: FieldError[];
}

/** A contact person's fields, named `<prefix>-name`, `-role`, `-phone`, `-email`. */
export function ContactFields(
  p: Common & { prefix: string; legend: string; hint?: string; revealWhen?: string },
) {
  const { t } = p.texts;
  const v = (n: string) => fieldValue(p.values, `${p.prefix}-${n}`);
  const common = { errors: p.errors, errorPrefix: t.errorPrefix };
  return (
    <Fieldset legend={p.legend} hint={p.hint} id={`${p.prefix}-legend`} revealWhen={p.revealWhen}>
      <Input
        name={`${p.prefix}-name`}
        label={t.refer.contactName}
        value={v('name')}
        autocomplete="name"
        dirAuto
        {...common}
      />
      <Input
        name={`${p.prefix}-role`}
        label={t.refer.contactRole}
        hint={t.refer.contactRoleHint}
        value={v('role')}
        autocomplete="organization-title"
        dirAuto
        {...common}
      />
      <Input
        name={`${p.prefix}-phone`}
        type="tel"
        label={`${t.refer.phone} ${t.optional}`}
        value={v('phone')}
        autocomplete="tel"
        width="medium"
        {...common}
      />
      <Input
        name={`${p.prefix}-email`}
        type="email"
        label={`${t.refer.email} ${t.optional}`}
        value={v('email')}
        autocomplete="email"
        width="medium"
        spellcheck={false}
        {...common}
      />
    </Fieldset>
  );
}

/** Read a contact person of `unit`; null when `optional` and left empty. */
export function readContact(
  f: FormReader,
  texts: Texts,
  prefix: string,
  unit: string,
  optional = false,
): ContactPerson | null {
  const { t } = texts;
  const empty = ['name', 'role', 'phone', 'email'].every((n) => f.raw(`${prefix}-${n}`) === '');
  if (optional && empty) return null;
  const name = f.text(`${prefix}-name`, t.refer.contactName);
  const role = f.text(`${prefix}-role`, t.refer.contactRole);
  const phone = f.matching(`${prefix}-phone`, t.refer.phone, PHONE, t.field.phone, false);
  const email = f.matching(`${prefix}-email`, t.refer.email, EMAIL, t.field.email, false);
  if (name === null || role === null) return null;
  return { unit, name, role, phone, email };
}

/** The legal basis's fields (`lb-provision`, `lb-note`), optional. */
export function LegalBasisFields(p: Common) {
  const { t } = p.texts;
  return (
    <Fieldset legend={`${t.forms.legend.legalBasis} ${t.optional}`} hint={t.forms.legalBasisHint} id="lb">
      <Input
        name="lb-provision"
        label={t.forms.provision}
        value={fieldValue(p.values, 'lb-provision')}
        width="medium"
        dirAuto
        errors={p.errors}
        errorPrefix={t.errorPrefix}
      />
      <Input
        name="lb-note"
        label={`${t.forms.provisionNote} ${t.optional}`}
        value={fieldValue(p.values, 'lb-note')}
        dirAuto
        errors={p.errors}
        errorPrefix={t.errorPrefix}
      />
    </Fieldset>
  );
}

/** Read the legal basis; null when none was given. */
export function readLegalBasis(f: FormReader, texts: Texts): LegalBasis | null {
  const provision = f.text('lb-provision', texts.t.forms.provision, { required: false });
  const note = f.text('lb-note', texts.t.forms.provisionNote, { required: false, max: MAX_TEXT });
  return provision === null ? null : { provision, note };
}

const OUTCOME_KEYS: (keyof OutcomeMeasures)[] = [
  'leftGroup',
  'noNewSuspectedCrime',
  'ownHousing',
  'selfSufficient',
];
const OUTCOME_VALUES: OutcomeValue[] = ['yes', 'no', 'unknown'];

/** The four outcome measures, each yes, no or not known; all four or none. */
export function OutcomeFields(p: Common) {
  const { t } = p.texts;
  return (
    <Fieldset legend={`${t.forms.legend.outcomes} ${t.optional}`} hint={t.forms.outcomesHint} id="outcomes">
      {OUTCOME_KEYS.map((k) => (
        <Choices
          kind="radio"
          inline
          name={`outcome-${k}`}
          label={t.outcomes[k]}
          choices={OUTCOME_VALUES.map((v) => ({ value: v, label: t.outcomeValues[v] }))}
          selected={[fieldValue(p.values, `outcome-${k}`)]}
          errors={p.errors}
          errorPrefix={t.errorPrefix}
        />
      ))}
    </Fieldset>
  );
}

/** Read the outcome measures; null when none was answered. */
export function readOutcomes(f: FormReader, texts: Texts): OutcomeMeasures | null {
  const answered = OUTCOME_KEYS.filter((k) => f.raw(`outcome-${k}`) !== '');
  if (answered.length === 0) return null;
  const out: Partial<OutcomeMeasures> = {};
  for (const k of OUTCOME_KEYS) {
    const v = f.choice(`outcome-${k}`, texts.t.outcomes[k], OUTCOME_VALUES, false);
    if (v === null) f.fail(`outcome-${k}`, texts.t.field.outcomesPartial);
    else out[k] = v;
  }
  return f.ok ? (out as OutcomeMeasures) : null;
}

/** The consent's fields: its form, the written form's checksum or the oral consent's witness, its validity. */
export function ConsentFields(p: Common) {
  const { t } = p.texts;
  const v = (n: string) => fieldValue(p.values, n);
  const common = { errors: p.errors, errorPrefix: t.errorPrefix };
  return (
    <>
      <Choices
        kind="radio"
        name="consent-form"
        label={t.refer.consentForm}
        choices={[
          { value: 'written', label: t.refer.written },
          { value: 'oral', label: t.refer.oral },
        ]}
        selected={[v('consent-form')]}
        {...common}
      />
      <Fieldset legend={t.refer.written} id="written" revealWhen="consent-form=written">
        <div class="form-group">
          <label class="label" for="consent-file">
            {t.refer.file}
          </label>
          <div class="hint" id="consent-file-hint">
            {t.refer.fileHint}
          </div>
          {/* No name: a browser never sends a nameless field, so the file cannot leave the computer. */}
          <input
            class="file-upload"
            id="consent-file"
            type="file"
            data-hash-into="documentSha256"
            data-hash-status="consent-file-status"
            aria-describedby="consent-file-hint consent-file-status"
          />
          <p class="hint" id="consent-file-status" aria-live="polite" />
        </div>
        <Input
          name="documentSha256"
          label={t.refer.hash}
          hint={t.refer.hashHint}
          value={v('documentSha256')}
          spellcheck={false}
          {...common}
        />
        <Input
          name="signedOn"
          type="date"
          label={t.refer.signedOn}
          hint={t.forms.dateHint}
          value={v('signedOn')}
          width="short"
          {...common}
        />
      </Fieldset>
      <Fieldset legend={t.refer.oral} id="oral" revealWhen="consent-form=oral">
        <Input
          name="givenOn"
          type="date"
          label={t.refer.givenOn}
          hint={t.forms.dateHint}
          value={v('givenOn')}
          width="short"
          {...common}
        />
        <Input name="witnessName" label={t.refer.witnessName} value={v('witnessName')} dirAuto {...common} />
        <Input name="witnessRole" label={t.refer.witnessRole} value={v('witnessRole')} dirAuto {...common} />
        <Textarea
          name="documentation"
          label={t.refer.documentation}
          value={v('documentation')}
          rows={3}
          {...common}
        />
      </Fieldset>
      <Input
        name="validFrom"
        type="date"
        label={t.refer.validFrom}
        hint={t.forms.dateHint}
        value={v('validFrom')}
        width="short"
        {...common}
      />
      <Input
        name="validUntil"
        type="date"
        label={`${t.refer.validUntil} ${t.optional}`}
        hint={t.refer.validUntilHint}
        value={v('validUntil')}
        width="short"
        {...common}
      />
    </>
  );
}

/** Read the consent (the SDK adds the scope: both units of the case and the police). */
export function readConsent(f: FormReader, texts: Texts): ConsentDetails | null {
  const { t } = texts;
  const form = f.choice('consent-form', t.refer.consentForm, ['written', 'oral'] as const);
  let details: Partial<ConsentDetails> = {};
  if (form === 'written') {
    const documentSha256 = f.matching('documentSha256', t.refer.hash, HASH, t.field.hash);
    const signedOn = f.date('signedOn', t.refer.signedOn);
    if (documentSha256 && signedOn) details = { form, written: { documentSha256, signedOn } };
  } else if (form === 'oral') {
    const givenOn = f.date('givenOn', t.refer.givenOn);
    const name = f.text('witnessName', t.refer.witnessName);
    const role = f.text('witnessRole', t.refer.witnessRole);
    const documentation = f.text('documentation', t.refer.documentation, { max: MAX_TEXT });
    if (givenOn && name && role && documentation) {
      details = { form, oral: { givenOn, witness: { name, role }, documentation } };
    }
  }
  const validFrom = f.date('validFrom', t.refer.validFrom);
  const validUntil = f.date('validUntil', t.refer.validUntil, false);
  if (validFrom && validUntil && validUntil < validFrom) f.fail('validUntil', t.field.untilBeforeFrom);
  if (!f.ok || !details.form || !validFrom) return null;
  return { ...(details as ConsentDetails), validFrom, validUntil, police: true };
}

/** Where the SDK's consent paths are in these fields. */
export function consentFieldOf(path: string): string | undefined {
  const map: [string, string][] = [
    ['consent.written.documentSha256', 'documentSha256'],
    ['consent.written.signedOn', 'signedOn'],
    ['consent.oral.givenOn', 'givenOn'],
    ['consent.oral.witness.name', 'witnessName'],
    ['consent.oral.witness.role', 'witnessRole'],
    ['consent.oral.documentation', 'documentation'],
    ['consent.validFrom', 'validFrom'],
    ['consent.validUntil', 'validUntil'],
    ['consent.', 'consent-form'],
  ];
  return map.find(([prefix]) => path.startsWith(prefix))?.[1];
}

export { MAX_SHORT };
