/**
 * Says what went wrong in words a person can act on (see describe-error.ts):
 * a 403 names the permission the action needs, an absent endpoint says which
 * module is missing, and no raw JSON ever reaches the page.
 */
import { ApiError } from '../api.ts';
import { messages, useLocale, useT } from '../i18n/index.ts';
import { Link } from '../router.tsx';
import { describeError, type ErrorContext } from './describe-error.ts';

export { describeError, type ErrorContext } from './describe-error.ts';

const text = messages({ retry: 'Retry', signIn: 'Sign in' }, { retry: '重试', signIn: '登录' });

export function ErrorBox(props: { error: unknown; context?: ErrorContext; onRetry?: () => void }) {
  const locale = useLocale();
  const t = useT(text);
  if (!props.error) return null;
  const absent = props.error instanceof ApiError && props.error.absent;
  // A 401 is answered with a way to sign in and come back here, not with a redirect that loses the page.
  const signIn = props.error instanceof ApiError && props.error.status === 401;
  return (
    <div className={absent ? 'notice' : 'error'} role="alert">
      <span>{describeError(props.error, props.context, locale)}</span>
      {signIn ? (
        <Link to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>{t('signIn')}</Link>
      ) : null}
      {props.onRetry && !absent && !signIn ? (
        <button type="button" className="link" onClick={props.onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}
