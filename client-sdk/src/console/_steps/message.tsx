/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A message within the case (meddelande; PROTOCOL.md §12.4.9). */
import { validateMessage } from '../../index.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, readLegalBasis } from '../_pages/fieldsets.js';
import { fieldValue, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const MESSAGE_STEP: Step = {
  title: (t) => t.forms.message.title,
  submit: (t) => t.forms.message.submit,
  first: 'text',
  defaults: () => ({}),
  fields: (s) => (
    <>
      <Textarea
        name="text"
        label={s.texts.t.forms.message.text}
        value={fieldValue(s.values, 'text')}
        {...common(s)}
      />
      <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
    </>
  ),
  read: (f, s) => {
    const text = f.text('text', s.texts.t.forms.message.text, { max: MAX_TEXT });
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !text) return null;
    validateMessage({ text, legalBasis });
    return (client, caseId) => client.sendMessage(caseId, { text, legalBasis });
  },
  fieldOf: pathField([['message.text', 'text']]),
  codeFields: LEGAL_CODES,
};
