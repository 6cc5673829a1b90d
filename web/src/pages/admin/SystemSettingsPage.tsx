/** System settings for administrators (Harbor's /configurations, the subset Berth has). */
import { type FormEvent, useEffect, useState } from 'react';
import { put } from '../../api.ts';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { setRegistryName } from '../../components/registry-name.ts';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import '../../components/admin.css';
import { common } from '../../i18n/common.ts';
import { messages, useT } from '../../i18n/index.ts';

const catalog = messages(
  {
    title: 'System settings',
    authMode: 'Authentication',
    authHint: 'Set in the server configuration (auth.ldap, auth.oidc); shown here for reference.',
    db_auth: 'Local accounts (database)',
    ldap_auth: 'LDAP',
    oidc_auth: 'OpenID Connect',
    tokenExpiration: 'Registry token lifetime (minutes)',
    tokenHint: 'How long a token from /service/token is valid; clients ask again when it ends.',
    creation: 'Who may create projects',
    everyone: 'Everyone signed in',
    adminonly: 'System administrators only',
    registryName: 'Registry name',
    registryHint: "The name people see for this registry, in the console's header and the browser's title.",
    saved: 'Saved. Every node applies it within a minute.',
  },
  {
    title: '系统设置',
    authMode: '认证方式',
    authHint: '在服务器配置中设置（auth.ldap、auth.oidc）；此处仅供查看。',
    db_auth: '本地账号（数据库）',
    ldap_auth: 'LDAP',
    oidc_auth: 'OpenID Connect',
    tokenExpiration: '仓库令牌有效期（分钟）',
    tokenHint: '/service/token 签发的令牌的有效时长；到期后客户端会重新申请。',
    creation: '谁可以创建项目',
    everyone: '所有已登录用户',
    adminonly: '仅系统管理员',
    registryName: '仓库名称',
    registryHint: '用户看到的此镜像仓库的名称，显示在控制台页头和浏览器标题中。',
    saved: '已保存。所有节点会在一分钟内生效。',
  },
);

interface Item<T> {
  value: T;
  editable: boolean;
}
interface Configurations {
  auth_mode: Item<string>;
  token_expiration: Item<number>;
  project_creation_restriction: Item<string>;
  registry_name: Item<string>;
}

export function SystemSettingsPage() {
  const t = useT(catalog);
  const c = useT(common);
  const config = useApi<Configurations>('/configurations');
  const save = useAction();
  const [form, setForm] = useState({
    token_expiration: '',
    project_creation_restriction: 'everyone',
    registry_name: '',
  });
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const d = config.data;
    if (!d) return;
    setForm({
      token_expiration: String(d.token_expiration.value),
      project_creation_restriction: d.project_creation_restriction.value,
      registry_name: d.registry_name.value,
    });
  }, [config.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const body = { ...form, token_expiration: Number(form.token_expiration) };
    if ((await save.run(() => put('/configurations', body))) !== undefined) {
      setSaved(true);
      // This tab's header shows the new name at once; other tabs on their next load.
      setRegistryName(body.registry_name.trim());
      config.reload();
    }
  };
  const auth = config.data?.auth_mode.value ?? '';
  return (
    <section>
      <h1>{t('title')}</h1>
      <ErrorBox error={config.error} onRetry={config.reload} context={{ permission: 'system administrator' }} />
      {config.data ? (
        <form className="panel form" onSubmit={submit} aria-label={t('title')}>
          <div className="settings-grid">
            <span>{t('authMode')}</span>
            <span>
              <strong>{auth === 'ldap_auth' || auth === 'oidc_auth' || auth === 'db_auth' ? t(auth) : auth}</strong>
              <div className="muted small">{t('authHint')}</div>
            </span>
            <label htmlFor="token_expiration">{t('tokenExpiration')}</label>
            <span>
              <input
                id="token_expiration"
                type="number"
                min={1}
                max={1440}
                value={form.token_expiration}
                onChange={(e) => setForm({ ...form, token_expiration: e.target.value })}
              />
              <FieldError error={save.error} field="token_expiration" />
              <div className="muted small">{t('tokenHint')}</div>
            </span>
            <label htmlFor="project_creation_restriction">{t('creation')}</label>
            <select
              id="project_creation_restriction"
              value={form.project_creation_restriction}
              onChange={(e) => setForm({ ...form, project_creation_restriction: e.target.value })}
            >
              <option value="everyone">{t('everyone')}</option>
              <option value="adminonly">{t('adminonly')}</option>
            </select>
            <label htmlFor="registry_name">{t('registryName')}</label>
            <span>
              <input
                id="registry_name"
                value={form.registry_name}
                onChange={(e) => setForm({ ...form, registry_name: e.target.value })}
              />
              <FieldError error={save.error} field="registry_name" />
              <div className="muted small">{t('registryHint')}</div>
            </span>
          </div>
          {isFieldError(save.error, ['token_expiration', 'registry_name']) ? null : <ErrorBox error={save.error} />}
          {saved ? (
            <p className="notice ok" role="status">
              {t('saved')}
            </p>
          ) : null}
          <div className="buttons">
            <button type="submit" disabled={save.busy}>
              {c('save')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
