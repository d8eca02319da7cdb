/**
 * Message (meddelande; PROTOCOL.md §12.4.9): free text within a case, with attachments (bilagor) carried
 * in the packet (PROTOCOL.md §7.2). Always personal data: it needs consent or a recorded legal basis.
 */
import { members, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** Body of a `message` packet. */
export interface MessageBody {
  text: string;
  legalBasis: LegalBasis | null;
}

/** Validate a `message` body; ERR_MALFORMED naming the field. */
export function validateMessage(value: unknown): MessageBody {
  const o = members(value, 'message', ['text', 'legalBasis']);
  return {
    text: text(o.text, 'message.text'),
    legalBasis: validateLegalBasis(o.legalBasis, 'message.legalBasis'),
  };
}
