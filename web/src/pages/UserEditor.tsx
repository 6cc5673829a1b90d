/**
 * One user, as an administrator changes them: profile (email, full name,
 * comment), a new password for a local account, or a new CLI secret for an
 * OIDC account (shown once, with a copy button).
 */
import { useState } from 'react';
import { put } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';

export interface User {
  user_id: number;
  username: string;
  email?: string;
  realname?: string;
  comment?: string;
  sysadmin_flag: boolean;
  creation_time?: string;
  auth_source?: string;
}

const catalog = messages(
  {
    title: 'Edit {name}',
    email: 'Email',
    realname: 'Full name',
    comment: 'Comment',
    saveProfile: 'Save profile',
    saved: 'Saved.',
    password: 'Reset password',
    newPassword: 'New password',
    passwordHint: '8 to 128 characters with an upper case letter, a lower case letter and a digit.',
    setPassword: 'Set password',
    passwordSet: 'The password was changed. Tell {name} through a safe channel.',
    cliSecret: 'CLI secret',
    cliHint:
      '{name} signs in through OIDC: podman, skopeo and helm use this secret instead of a password. {name} can also make one on their own My account page (their name in the header).',
    newSecret: 'Generate a new CLI secret',
    secretShown: 'Copy the new secret now: it is shown only once. The old one stopped working.',
    copySecret: 'Copy secret',
    noPassword: '{name} signs in through {source}: there is no password to reset here.',
  },
  {
    title: '编辑 {name}',
    email: '邮箱',
    realname: '全名',
    comment: '备注',
    saveProfile: '保存资料',
    saved: '已保存。',
    password: '重置密码',
    newPassword: '新密码',
    passwordHint: '8 到 128 个字符，需包含大写字母、小写字母和数字。',
    setPassword: '设置密码',
    passwordSet: '密码已修改。请通过安全的渠道告知 {name}。',
    cliSecret: 'CLI 密钥',
    cliHint:
      '{name} 通过 OIDC 登录：podman、skopeo 和 helm 使用此密钥代替密码。{name} 也可以在自己的“我的账号”页面（页头中的用户名）生成。',
    newSecret: '生成新的 CLI 密钥',
    secretShown: '请立即复制新密钥：它只显示这一次。旧密钥已失效。',
    copySecret: '复制密钥',
    noPassword: '{name} 通过 {source} 登录：这里没有可重置的密码。',
  },
);

/** A secret the server's rule accepts: 24 characters with upper, lower and digits. */
function generateSecret(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  const body = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${body}A7z`;
}

export function UserEditor(props: { user: User; onDone: () => void }) {
  const t = useT(catalog);
  const c = useT(common);
  const u = props.user;
  const [profile, setProfile] = useState({
    email: u.email ?? '',
    realname: u.realname ?? '',
    comment: u.comment ?? '',
  });
  const [password, setPassword] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [done, setDone] = useState<'profile' | 'password' | null>(null);
  const action = useAction();
  const base = `/users/${u.user_id}`;
  const source = u.auth_source ?? 'local';
  return (
    <section className="panel form" aria-label={t('title', { name: u.username })}>
      <div className="title-row">
        <h2>{t('title', { name: u.username })}</h2>
        <button type="button" className="link" onClick={props.onDone}>
          {c('close')}
        </button>
      </div>
      <form
        className="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setDone(null);
          if ((await action.run(() => put(base, profile))) !== undefined) setDone('profile');
        }}
      >
        {(['email', 'realname', 'comment'] as const).map((field) => (
          <label key={field} className="field">
            {t(field)}
            <input
              type={field === 'email' ? 'email' : 'text'}
              value={profile[field]}
              onChange={(e) => setProfile({ ...profile, [field]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" disabled={action.busy}>
          {t('saveProfile')}
        </button>
        {done === 'profile' ? <p className="notice ok">{t('saved')}</p> : null}
      </form>
      {source === 'local' ? (
        <form
          className="stack-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setDone(null);
            if ((await action.run(() => put(`${base}/password`, { new_password: password }))) !== undefined) {
              setPassword('');
              setDone('password');
            }
          }}
        >
          <h3>{t('password')}</h3>
          <label className="field">
            {t('newPassword')}
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
          <p className="muted small">{t('passwordHint')}</p>
          <button type="submit" disabled={action.busy || !password}>
            {t('setPassword')}
          </button>
          {done === 'password' ? <p className="notice ok">{t('passwordSet', { name: u.username })}</p> : null}
        </form>
      ) : null}
      {source === 'oidc' ? (
        <div>
          <h3>{t('cliSecret')}</h3>
          <p className="muted small">{t('cliHint', { name: u.username })}</p>
          {secret ? (
            <div className="secret-box" role="status">
              <p>
                <strong>{t('secretShown')}</strong>
              </p>
              <CopyField text={secret} label={t('copySecret')} />
            </div>
          ) : null}
          <button
            type="button"
            disabled={action.busy}
            onClick={async () => {
              const next = generateSecret();
              if ((await action.run(() => put(`${base}/cli_secret`, { secret: next }))) !== undefined) setSecret(next);
            }}
          >
            {t('newSecret')}
          </button>
        </div>
      ) : source !== 'local' ? (
        <p className="muted">{t('noPassword', { name: u.username, source })}</p>
      ) : null}
      <ErrorBox error={action.error} context={{ permission: 'system administrator' }} />
    </section>
  );
}
