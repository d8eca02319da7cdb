/**
 * The agreement packet (avtal; PROTOCOL.md §12.4.10): a party sends an agreement document (typically an
 * extension: a new period, quota or party, signed by every party) to the other parties. Receivers accept
 * it only as a valid successor of the agreement they hold (PROTOCOL.md §5); open cases carry on.
 */
import type { GeneralJws } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import { list, members, text } from './_fields.js';

const B64U = /^[A-Za-z0-9_-]+$/;

/** Body of an `agreement` packet. */
export interface AgreementBody {
  document: GeneralJws;
}

/** Validate an `agreement` body (the document's shape and terms; signatures are checked on acceptance). */
export function validateAgreementBody(value: unknown): AgreementBody {
  const o = members(value, 'agreement', ['document']);
  const d = members(o.document, 'agreement.document', ['payload', 'signatures']);
  list(d.signatures, 'agreement.document.signatures', 0, 200, (v, path) => {
    const s = members(v, path, ['protected', 'signature']);
    text(s.protected, `${path}.protected`, 4096, B64U);
    text(s.signature, `${path}.signature`, 128, B64U);
  });
  Agreement.deserialize(o.document as GeneralJws);
  return { document: o.document as GeneralJws };
}
