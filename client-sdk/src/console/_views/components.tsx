/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The console's building blocks, after the GOV.UK Design System's patterns: a label and a hint for every
 * field, the error beside its field (tied to it with `aria-describedby`), an error summary at the top
 * linking to each field, summary lists, tags and buttons that say what they do.
 *
 * Everything that came over the wire (names, notes, device names, agreement texts) is shown through
 * {@link W}: hono/jsx escapes it, and `<bdi>` isolates its direction, so a U+202E in a referral field
 * cannot turn the text around it.
 */
import type { Child } from 'hono/jsx';

/** Text that came over the wire: escaped (by JSX) and isolated from its surroundings' direction. */
export function W(props: { children?: Child }) {
  return <bdi>{props.children}</bdi>;
}

/** One field's error: the field's id (or a path of the console, for a field on another page) and the message. */
export interface FieldError {
  field: string;
  message: string;
}

/** The values a form was filled in with (checkbox groups as arrays). */
export type FormValues = Record<string, string | string[] | undefined>;

/** The value of `name` as one string. */
export function fieldValue(values: FormValues, name: string): string {
  const v = values[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** The values of `name` as a list. */
export function fieldValues(values: FormValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v];
}

/** The error summary at the top of a page with errors; each message links to its field. */
export function ErrorSummary(props: { title: string; errors: FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="error-summary" aria-labelledby="error-summary-title" role="alert" tabindex={-1} data-focus>
      <h2 class="error-summary__title" id="error-summary-title">
        {props.title}
      </h2>
      <ul class="error-summary__list">
        {props.errors.map((e) => (
          <li>
            <a href={e.field.startsWith('/') ? e.field : `#${e.field}`}>{e.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function errorFor(errors: FieldError[] | undefined, id: string): FieldError | undefined {
  return errors?.find((e) => e.field === id);
}

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const list = ids.filter((x): x is string => typeof x === 'string');
  return list.length ? list.join(' ') : undefined;
}

function ErrorMessage(props: { id: string; prefix: string; message: string | undefined }) {
  if (!props.message) return null;
  return (
    <p class="error-message" id={`${props.id}-error`}>
      <span class="visually-hidden">{props.prefix} </span>
      {props.message}
    </p>
  );
}

/** What every field takes. */
interface FieldProps {
  name: string;
  /** The element id (default: the name). */
  id?: string;
  label: string;
  hint?: string;
  errors?: FieldError[];
  errorPrefix: string;
}

/** A field's label, its hint and its error message, tied to the field by `id`. */
function FieldHead(p: { props: FieldProps; id: string; error: FieldError | undefined }) {
  const { props, id, error } = p;
  return (
    <>
      <label class="label" for={id}>
        {props.label}
      </label>
      {props.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      <ErrorMessage id={id} prefix={props.errorPrefix} message={error?.message} />
    </>
  );
}

/** A one-line text field (also date, month, number, email, tel, password). */
export function Input(
  props: FieldProps & {
    value?: string;
    type?: 'text' | 'date' | 'month' | 'email' | 'tel' | 'password' | 'number';
    autocomplete?: string;
    width?: 'short' | 'medium' | 'long';
    /** For wire text shown back in a field: its direction follows its content. */
    dirAuto?: boolean;
    spellcheck?: boolean;
    inputmode?: 'numeric';
  },
) {
  const id = props.id ?? props.name;
  const error = errorFor(props.errors, id);
  return (
    <div class={`form-group${error ? ' form-group--error' : ''}`}>
      <FieldHead props={props} id={id} error={error} />
      <input
        class={`input input--${props.width ?? 'long'}${error ? ' input--error' : ''}`}
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        autocomplete={props.autocomplete ?? 'off'}
        aria-describedby={describedBy(props.hint && `${id}-hint`, error && `${id}-error`)}
        aria-invalid={error ? 'true' : undefined}
        dir={props.dirAuto ? 'auto' : undefined}
        spellcheck={props.spellcheck === false ? false : undefined}
        inputmode={props.inputmode}
      />
    </div>
  );
}

/** A multi-line text field. */
export function Textarea(props: FieldProps & { value?: string; rows?: number }) {
  const id = props.id ?? props.name;
  const error = errorFor(props.errors, id);
  return (
    <div class={`form-group${error ? ' form-group--error' : ''}`}>
      <FieldHead props={props} id={id} error={error} />
      <textarea
        class={`textarea${error ? ' textarea--error' : ''}`}
        id={id}
        name={props.name}
        rows={props.rows ?? 5}
        dir="auto"
        aria-describedby={describedBy(props.hint && `${id}-hint`, error && `${id}-error`)}
        aria-invalid={error ? 'true' : undefined}
      >
        {props.value ?? ''}
      </textarea>
    </div>
  );
}

/** One choice of a radio or checkbox group. */
export interface Choice {
  value: string;
  label: string;
  hint?: string;
  disabled?: boolean;
}

/**
 * Radios or checkboxes in a fieldset with its legend. The error links to the first choice (its id is
 * the group's id), as the GOV.UK pattern does.
 */
export function Choices(
  props: FieldProps & {
    kind: 'radio' | 'checkbox';
    choices: Choice[];
    selected?: string[];
    inline?: boolean;
    legendAsHeading?: boolean;
  },
) {
  const id = props.id ?? props.name;
  const error = errorFor(props.errors, id);
  const selected = props.selected ?? [];
  return (
    <div class={`form-group${error ? ' form-group--error' : ''}`}>
      <fieldset
        class="fieldset"
        aria-describedby={describedBy(props.hint && `${id}-hint`, error && `${id}-error`)}
      >
        <legend class={`fieldset__legend${props.legendAsHeading ? ' fieldset__legend--m' : ''}`}>
          {props.label}
        </legend>
        {props.hint ? (
          <div class="hint" id={`${id}-hint`}>
            {props.hint}
          </div>
        ) : null}
        <ErrorMessage id={id} prefix={props.errorPrefix} message={error?.message} />
        <div class={`choices${props.inline ? ' choices--inline' : ''}`}>
          {props.choices.map((ch, i) => {
            const itemId = i === 0 ? id : `${id}-${i + 1}`;
            return (
              <div class="choices__item">
                <input
                  class="choices__input"
                  id={itemId}
                  name={props.name}
                  type={props.kind}
                  value={ch.value}
                  checked={selected.includes(ch.value)}
                  disabled={ch.disabled}
                  aria-describedby={ch.hint ? `${itemId}-hint` : undefined}
                />
                <label class="label choices__label" for={itemId}>
                  {ch.label}
                </label>
                {ch.hint ? (
                  <div class="hint choices__hint" id={`${itemId}-hint`}>
                    {ch.hint}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

/** A select list. */
export function Select(props: FieldProps & { choices: Choice[]; value?: string }) {
  const id = props.id ?? props.name;
  const error = errorFor(props.errors, id);
  return (
    <div class={`form-group${error ? ' form-group--error' : ''}`}>
      <FieldHead props={props} id={id} error={error} />
      <select
        class={`select${error ? ' select--error' : ''}`}
        id={id}
        name={props.name}
        aria-describedby={describedBy(props.hint && `${id}-hint`, error && `${id}-error`)}
        aria-invalid={error ? 'true' : undefined}
      >
        {props.choices.map((ch) => (
          <option value={ch.value} selected={ch.value === props.value}>
            {ch.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A fieldset grouping fields under a legend. With `revealWhen` (`"<radio name>=<value>"`) the page's
 * script shows it only while that radio is chosen (without script it is always shown).
 */
export function Fieldset(props: {
  legend: string;
  hint?: string;
  id?: string;
  revealWhen?: string;
  children?: Child;
}) {
  return (
    <fieldset
      data-reveal-when={props.revealWhen}
      class="fieldset fieldset--group"
      aria-describedby={props.hint && props.id ? `${props.id}-hint` : undefined}
    >
      <legend class="fieldset__legend fieldset__legend--m">{props.legend}</legend>
      {props.hint ? (
        <div class="hint" id={props.id ? `${props.id}-hint` : undefined}>
          {props.hint}
        </div>
      ) : null}
      {props.children}
    </fieldset>
  );
}

/** The CSRF token every state-changing form carries (checked on the server). */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** A form that posts to the console, with its CSRF token. */
export function PostForm(props: {
  action: string;
  csrf: string;
  children?: Child;
  multipart?: boolean;
  class?: string;
  id?: string;
}) {
  return (
    <form
      method="post"
      action={props.action}
      enctype={props.multipart ? 'multipart/form-data' : undefined}
      class={props.class}
      id={props.id}
      novalidate
    >
      <Csrf token={props.csrf} />
      {props.children}
    </form>
  );
}

/** A button. */
export function Button(props: {
  children?: Child;
  secondary?: boolean;
  warning?: boolean;
  name?: string;
  value?: string;
}) {
  const kind = props.warning ? ' button--warning' : props.secondary ? ' button--secondary' : '';
  return (
    <button type="submit" class={`button${kind}`} name={props.name} value={props.value}>
      {props.children}
    </button>
  );
}

/** A key–value list (GOV.UK summary list). Values may be any content; the key is the console's own text. */
export function SummaryList(props: { rows: [string, Child][]; actions?: (Child | null)[] }) {
  return (
    <dl class="summary-list">
      {props.rows.map(([key, value], i) => (
        <div class="summary-list__row">
          <dt class="summary-list__key">{key}</dt>
          <dd class="summary-list__value">{value}</dd>
          {props.actions?.[i] ? <dd class="summary-list__actions">{props.actions[i]}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

/** A coloured label (a case's status). Colour is never the only signal: the label is text. */
export function Tag(props: { children?: Child; tone?: 'blue' | 'green' | 'grey' | 'red' | 'yellow' }) {
  return <strong class={`tag tag--${props.tone ?? 'blue'}`}>{props.children}</strong>;
}

/** A message that the last step worked (or a notice), shown at the top of the next page. */
export function Banner(props: { children?: Child; tone?: 'success' | 'info' }) {
  return (
    <div class={`banner banner--${props.tone ?? 'success'}`} role="status">
      <p class="banner__text">{props.children}</p>
    </div>
  );
}

/** A warning text with an icon that is not only colour. */
export function Warning(props: { children?: Child; label: string }) {
  return (
    <div class="warning-text">
      <span class="warning-text__icon" aria-hidden="true">
        !
      </span>
      <strong class="warning-text__text">
        <span class="visually-hidden">{props.label} </span>
        {props.children}
      </strong>
    </div>
  );
}
