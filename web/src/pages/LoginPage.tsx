/** Sign in with a local or LDAP account (Basic credentials), or through the OIDC provider when configured. */
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, sessionInfo } from '../api.ts';
import { type AuthState, login, type SystemInfo } from '../auth.ts';
import { describeError } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { navigate } from '../router.tsx';

export function LoginPage(props: { onSignedIn: (auth: AuthState) => void }) {
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
      setError(err instanceof ApiError && err.status === 401 ? 'Invalid username or password.' : describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="login">
      <h1>Sign in to Berth</h1>
      <form className="stack-form" onSubmit={submit}>
        <label className="field">
          Username
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
        </label>
        <label className="field">
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
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
            Sign in with {info.data?.oidc_provider_name ?? 'your identity provider'}
          </a>
        </p>
      ) : null}
      <p className="muted small">
        Use your Berth account or your directory (LDAP) account
        {oidc ? ', or your identity provider' : ''}. Robot accounts sign in with podman or skopeo, not here.
      </p>
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
