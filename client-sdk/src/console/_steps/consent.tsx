/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A further consent (samtycke; PROTOCOL.md §12.3.1), for example renewed: written with the signed form's checksum, or oral with its witness. */
import { ConsentFields, consentFieldOf, readConsent } from '../_pages/fieldsets.js';
import type { Step } from './step.js';

/** The form. */
export const CONSENT_STEP: Step = {
  title: (t) => t.forms.consent.title,
  submit: (t) => t.forms.consent.submit,
  lead: (t) => t.refer.consentPolice,
  first: 'consent-form',
  defaults: (s) => ({ validFrom: s.today }),
  fields: (s) => <ConsentFields texts={s.texts} values={s.values} errors={s.errors} />,
  read: (f, s) => {
    const details = readConsent(f, s.texts);
    if (!f.ok || !details) return null;
    return (client, caseId) => client.attestConsent(caseId, details);
  },
  fieldOf: consentFieldOf,
  codeFields: { ERR_CONSENT_SCOPE: 'consent-form' },
};
