/**
 * The signed-in user's own account: who they are and how they sign in; an
 * OIDC user makes their CLI secret here (podman, skopeo and helm cannot go
 * through the provider's web login), shown once with the login command.
 */
import { useState } from 'react';
import { post } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { podmanCommand, registryHost } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';

interface Me {
  user_id: number;
  username: string;
  email?: string;
  realname?: string;
  auth_source?: string;
  sysadmin_flag?: boolean;
}

export function AccountPage() {
  const t = useT(text);
  const me = useApi<Me>('/users/current');
  const action = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const user = me.data;
  const source = user?.auth_source ?? 'local';
  return (
    <section>
      <h1>{t('title')}</h1>
      <ErrorBox error={me.error} onRetry={me.reload} context={{ permission: t('signedIn') }} />
      {user ? (
        <>
          <div className="panel settings-grid">
            <span>{t('username')}</span>
            <strong>{user.username}</strong>
            <span>{t('email')}</span>
            <span>{user.email || '—'}</span>
            <span>{t('realname')}</span>
            <span>{user.realname || '—'}</span>
            <span>{t('source')}</span>
            <span>{source === 'oidc' ? t('oidc') : source === 'ldap' ? t('ldap') : t('local')}</span>
          </div>
          {source === 'oidc' ? (
            <section className="panel" aria-label={t('cliSecret')}>
              <h2>{t('cliSecret')}</h2>
              <p className="muted small">{t('cliHint')}</p>
              {secret ? (
                <div className="secret-box" role="status">
                  <p>
                    <strong>{t('secretShown')}</strong>
                  </p>
                  <CopyField text={secret} label={t('copySecret')} />
                  <CopyField
                    text={podmanCommand('login', `${registryHost()} -u '${user.username}'`)}
                    label={t('copyLogin')}
                  />
                </div>
              ) : null}
              <button
                type="button"
                disabled={action.busy}
                onClick={async () => {
                  const made = await action.run(() => post<{ secret: string }>('/users/current/cli_secret', {}));
                  if (made) setSecret(made.secret);
                }}
              >
                {t('newSecret')}
              </button>
              <ErrorBox error={action.error} />
            </section>
          ) : (
            <p className="muted">{t('noSecret')}</p>
          )}
        </>
      ) : null}
    </section>
  );
}

const text = messages(
  {
    title: 'My account',
    signedIn: 'be signed in',
    username: 'Username',
    email: 'Email',
    realname: 'Full name',
    source: 'Signs in with',
    local: 'a local password',
    ldap: 'LDAP',
    oidc: 'the OIDC provider',
    cliSecret: 'CLI secret',
    cliHint:
      'You sign in through OIDC, which podman, skopeo and helm cannot do: they use this secret as your password. A new one replaces the old one at once.',
    newSecret: 'Generate a new CLI secret',
    secretShown: 'Copy the new secret now: it is shown only once. The old one stopped working.',
    copySecret: 'Copy secret',
    copyLogin: 'Copy login command',
    noSecret: 'Your password works for podman, skopeo and helm too: there is no CLI secret to make.',
  },
  {
    title: '我的账号',
    signedIn: '登录',
    username: '用户名',
    email: '邮箱',
    realname: '全名',
    source: '登录方式',
    local: '本地密码',
    ldap: 'LDAP',
    oidc: 'OIDC 身份提供方',
    cliSecret: 'CLI 密钥',
    cliHint:
      '你通过 OIDC 登录，而 podman、skopeo 和 helm 无法这样登录：它们使用此密钥作为你的密码。新密钥生成后旧密钥立即失效。',
    newSecret: '生成新的 CLI 密钥',
    secretShown: '请立即复制新密钥：它只显示这一次。旧密钥已失效。',
    copySecret: '复制密钥',
    copyLogin: '复制登录命令',
    noSecret: '你的密码同样适用于 podman、skopeo 和 helm：无需生成 CLI 密钥。',
  },
);
