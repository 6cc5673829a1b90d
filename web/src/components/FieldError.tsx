/**
 * Inline errors under the input the server blamed. The API names the field
 * (`errors[].field`, or a `field: ` prefix of the message); an error about
 * another field, or none, is left to the form's general error box.
 */
import { ApiError } from '../api.ts';

export function faultyField(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  return error.field ?? /^([a-z_]+(?:\.[a-z_]+)?): /.exec(error.message)?.[1] ?? null;
}

/** The message without its `field: ` prefix. */
export function fieldMessage(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return message.replace(/^[a-z_]+(?:\.[a-z_]+)?: /, '');
}

export function FieldError(props: { error: unknown; field: string | string[] }) {
  const fields = Array.isArray(props.field) ? props.field : [props.field];
  const field = faultyField(props.error);
  if (!field || !fields.includes(field)) return null;
  return (
    <span className="field-error" role="alert">
      {fieldMessage(props.error)}
    </span>
  );
}

/** True when the error belongs under one of `fields` (so the general box can stay quiet). */
export function isFieldError(error: unknown, fields: string[]): boolean {
  const field = faultyField(error);
  return field !== null && fields.includes(field);
}
