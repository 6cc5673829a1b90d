/**
 * Says what went wrong in words a person can act on. A 403 names the
 * permission the action needs; an absent endpoint says which module is missing.
 */
import { ApiError } from '../api.ts';

export interface ErrorContext {
  /** The permission the failed action needs, e.g. "delete artifact in project team". */
  permission?: string;
  /** What the missing endpoint belongs to, e.g. "robot accounts". */
  feature?: string;
}

export function describeError(error: unknown, context: ErrorContext = {}): string {
  if (!(error instanceof ApiError)) return (error as Error)?.message ?? String(error);
  if (error.status === 403) {
    const needed = context.permission ? `You need the “${context.permission}” permission. ` : '';
    return `Permission denied. ${needed}The server said: ${error.message}`;
  }
  if (error.status === 401) return 'Please sign in: this needs an account.';
  if (error.absent) {
    return `${context.feature ? `${capitalize(context.feature)} are` : 'This is'} not available on this server yet: it needs Berth's identity and access module.`;
  }
  if (error.status === 0) return error.message;
  return `${error.message} (${error.status} ${error.code})`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function ErrorBox(props: { error: unknown; context?: ErrorContext; onRetry?: () => void }) {
  if (!props.error) return null;
  const absent = props.error instanceof ApiError && props.error.absent;
  return (
    <div className={absent ? 'notice' : 'error'} role="alert">
      <span>{describeError(props.error, props.context)}</span>
      {props.onRetry && !absent ? (
        <button type="button" className="link" onClick={props.onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
