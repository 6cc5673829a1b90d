/** Sign in with a local or LDAP account (Basic credentials), or through the OIDC provider when configured. */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, sessionInfo } from '../api.ts';
import { type AuthState, login, type SystemInfo } from '../auth.ts';
import { describeError } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { messages, useT } from '../i18n/index.ts';
import { navigate } from '../router.tsx';

export function LoginPage(props: { onSignedIn: (auth: AuthState) => void }) {
  const t = useT(text);
  const info = useApi<SystemInfo>('/systeminfo');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mode = info.data?.auth_mode ?? 'db_auth';
  const oidcProbe = useOidcAvailable();
  const oidc = mode === 'oidc_auth' || oidcProbe;
  const next = new URLSearchParams(location.search).get('next') ?? '/';
  const safeNext = next.startsWith('/') && !next.startsWith('//') ? next : '/';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await login(username, password));
      navigate(safeNext);
    } catch (err) {
      // On this page a 401 is a wrong password, not "please sign in".
      setError(err instanceof ApiError && err.status === 401 ? t('wrong') : describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="login">
      <h1>{t('title')}</h1>
      <form className="stack-form" onSubmit={submit}>
        <label className="field">
          {t('username')}
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
        </label>
        <label className="field">
          {t('password')}
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
      {oidc ? (
        <p>
          <a className="button" href={`/c/oidc/login?redirect_url=${encodeURIComponent(next)}`}>
            {t('withProvider', { provider: info.data?.oidc_provider_name ?? t('yourProvider') })}
          </a>
        </p>
      ) : null}
      <p className="muted small">{oidc ? t('hintOidc') : t('hint')}</p>
    </section>
  );
}

/** Whether the server offers an OIDC login, as its session endpoint says (no probing request that fails). */
function useOidcAvailable(): boolean {
  const [available, setAvailable] = useState(false);
  useEffect(() => {
    sessionInfo().then(
      (s) => setAvailable(s.oidc),
      () => setAvailable(false),
    );
  }, []);
  return available;
}

const text = messages(
  {
    title: 'Sign in to Berth',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    wrong: 'Wrong user name or password.',
    withProvider: 'Sign in with {provider}',
    yourProvider: 'your identity provider',
    hint: 'Use your Berth account or your directory (LDAP) account. Robot accounts sign in with podman or skopeo, not here.',
    hintOidc:
      'Use your Berth account, your directory (LDAP) account, or your identity provider. Robot accounts sign in with podman or skopeo, not here.',
  },
  {
    title: '登录 Berth',
    username: '用户名',
    password: '密码',
    signIn: '登录',
    signingIn: '正在登录…',
    wrong: '用户名或密码错误。',
    withProvider: '通过 {provider} 登录',
    yourProvider: '身份提供商',
    hint: '请使用 Berth 账户或目录（LDAP）账户登录。机器人账户请通过 podman 或 skopeo 登录，而非此处。',
    hintOidc: '请使用 Berth 账户、目录（LDAP）账户或身份提供商登录。机器人账户请通过 podman 或 skopeo 登录，而非此处。',
  },
);
