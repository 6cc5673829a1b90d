/**
 * A project's settings, as Harbor's project configuration page: visibility,
 * the pull gates (signatures, vulnerabilities, scan on push) kept as project
 * metadata, the storage quota (/quotas, administrators), and what makes it a
 * proxy cache (its registry, fixed once created) or a group (its members).
 */
import { type FormEvent, useEffect, useState } from 'react';
import { put, query } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../components/FieldError.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useIsAdmin } from '../components/use-admin.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import '../components/admin.css';
import { bytes } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import type { UpstreamRegistry } from './RegistriesPage.tsx';

const catalog = messages(
  {
    ariaSettings: 'Project settings',
    ariaSeverity: 'Severity',
    ariaMembers: 'Group members',
    ariaQuota: 'Quota',
    general: 'General',
    public: 'Public: anyone may pull, without signing in',
    gates: 'Pull gates',
    gatesHint: 'A pull that fails a gate is refused with a message naming it.',
    cosign: 'Only pull images signed with cosign by a trusted key',
    notation: 'Only pull images signed with Notation by a trusted key',
    preventVul: 'Refuse pulls of images with vulnerabilities at or above',
    autoScan: 'Scan images when they are pushed',
    quota: 'Storage quota',
    quotaHint: 'Pushes that would go past the limit are refused. Used now: {used}.',
    quotaAdmin: 'Only system administrators change quotas. Limit: {limit}.',
    unlimited: 'unlimited',
    limit: 'Limit',
    unit: 'unit',
    proxy: 'Proxy cache',
    proxyOf: 'This project caches {name} ({url}). The upstream registry is fixed once the project is created.',
    hosted: 'A hosted project: images are pushed to it. A project becomes a proxy cache or a group only when created.',
    group: 'Group members',
    groupHint: 'Pulls try these projects in this order (comma separated).',
    saved: 'Saved.',
    confirmPrivate: 'Make {name} private?',
    confirmPrivateMessage: 'Anyone pulling its images without an account will be refused.',
    makePrivate: 'Make private',
    severity_none: 'any finding',
    severity_low: 'low',
    severity_medium: 'medium',
    severity_high: 'high',
    severity_critical: 'critical',
  },
  {
    ariaSettings: '项目设置',
    ariaSeverity: '严重程度',
    ariaMembers: '组成员',
    ariaQuota: '配额',
    general: '常规',
    public: '公开：任何人无需登录即可拉取',
    gates: '拉取限制',
    gatesHint: '未通过限制的拉取会被拒绝，并说明原因。',
    cosign: '仅允许拉取由受信任密钥通过 cosign 签名的镜像',
    notation: '仅允许拉取由受信任密钥通过 Notation 签名的镜像',
    preventVul: '拒绝拉取存在以下及更高级别漏洞的镜像',
    autoScan: '推送时自动扫描镜像',
    quota: '存储配额',
    quotaHint: '超出限额的推送将被拒绝。当前已用：{used}。',
    quotaAdmin: '只有系统管理员可以修改配额。限额：{limit}。',
    unlimited: '不限',
    limit: '限额',
    unit: '单位',
    proxy: '代理缓存',
    proxyOf: '此项目缓存 {name}（{url}）。项目创建后上游仓库不可更改。',
    hosted: '托管项目：镜像推送到这里。只有在创建时才能将项目设为代理缓存或项目组。',
    group: '项目组成员',
    groupHint: '拉取时按此顺序尝试这些项目（逗号分隔）。',
    saved: '已保存。',
    confirmPrivate: '将 {name} 设为私有？',
    confirmPrivateMessage: '未登录的用户将无法再拉取其中的镜像。',
    makePrivate: '设为私有',
    severity_none: '任何漏洞',
    severity_low: '低危',
    severity_medium: '中危',
    severity_high: '高危',
    severity_critical: '严重',
  },
);

const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
const UNITS = { MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 } as const;

interface ProjectView {
  project_id: number;
  name: string;
  metadata: Record<string, string | undefined>;
  registry_id?: number;
  group_members?: string[];
}

interface Quota {
  id: number;
  hard: { storage: number };
  used: { storage: number };
}

type Switches = {
  public: boolean;
  enable_content_trust_cosign: boolean;
  enable_content_trust: boolean;
  prevent_vul: boolean;
  auto_scan: boolean;
};

export function ProjectSettingsPage(props: { project: string }) {
  const t = useT(catalog);
  const c = useT(common);
  const path = `/projects/${encodeURIComponent(props.project)}`;
  const project = useApi<ProjectView>(path);
  const admin = useIsAdmin();
  const save = useAction();
  const { ask, dialog } = useConfirm();
  const [form, setForm] = useState<Switches | null>(null);
  const [severity, setSeverity] = useState('critical');
  const [members, setMembers] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const m = project.data?.metadata;
    if (!m) return;
    setForm({
      public: m.public === 'true',
      enable_content_trust_cosign: m.enable_content_trust_cosign === 'true',
      enable_content_trust: m.enable_content_trust === 'true',
      prevent_vul: m.prevent_vul === 'true',
      auto_scan: m.auto_scan === 'true',
    });
    setSeverity(m.severity || 'critical');
    setMembers((project.data?.group_members ?? []).join(', '));
  }, [project.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form || !project.data) return;
    setSaved(false);
    if (project.data.metadata.public === 'true' && !form.public) {
      const ok = await ask({
        title: t('confirmPrivate', { name: props.project }),
        message: t('confirmPrivateMessage'),
        confirmLabel: t('makePrivate'),
      });
      if (!ok) return;
    }
    const metadata: Record<string, string> = { severity };
    for (const [k, v] of Object.entries(form)) metadata[k] = String(v);
    const body: Record<string, unknown> = { metadata };
    if (project.data.group_members)
      body.group_members = members
        .split(/[\s,]+/)
        .map((m) => m.trim())
        .filter(Boolean);
    if ((await save.run(() => put(path, body))) !== undefined) {
      setSaved(true);
      project.reload();
    }
  };

  const check = (key: keyof Switches, label: string) =>
    form ? (
      <label className="check setting">
        <input
          type="checkbox"
          name={key}
          checked={form[key]}
          onChange={(e) => setForm({ ...form, [key]: e.target.checked })}
        />{' '}
        {label}
      </label>
    ) : null;

  return (
    <section>
      {dialog}
      <ProjectTabs project={props.project} current="settings" />
      <ErrorBox error={project.error} onRetry={project.reload} />
      {form && project.data ? (
        <>
          <form className="panel form" onSubmit={submit} aria-label={t('ariaSettings')}>
            <h2>{t('general')}</h2>
            {check('public', t('public'))}
            <h2>{t('gates')}</h2>
            <p className="muted small">{t('gatesHint')}</p>
            {check('enable_content_trust_cosign', t('cosign'))}
            {check('enable_content_trust', t('notation'))}
            <div className="inline-form">
              {check('prevent_vul', t('preventVul'))}
              <select
                aria-label={t('ariaSeverity')}
                value={severity}
                disabled={!form.prevent_vul}
                onChange={(e) => setSeverity(e.target.value)}
              >
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`severity_${s}`)}
                  </option>
                ))}
              </select>
            </div>
            {check('auto_scan', t('autoScan'))}
            {project.data.group_members ? (
              <>
                <h2>{t('group')}</h2>
                <label className="field">
                  {t('groupHint')}
                  <input aria-label={t('ariaMembers')} value={members} onChange={(e) => setMembers(e.target.value)} />
                  <FieldError error={save.error} field="group_members" />
                </label>
              </>
            ) : null}
            {isFieldError(save.error, ['group_members']) ? null : <ErrorBox error={save.error} />}
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
          <QuotaPanel projectId={project.data.project_id} admin={admin} />
          <ProxyPanel registryId={project.data.registry_id} />
        </>
      ) : null}
    </section>
  );
}

function QuotaPanel(props: { projectId: number; admin: boolean }) {
  const t = useT(catalog);
  const c = useT(common);
  const quotas = useApi<Quota[]>(
    props.admin ? `/quotas${query({ reference: 'project', reference_id: props.projectId })}` : null,
  );
  const quota = quotas.data?.[0];
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<keyof typeof UNITS>('GiB');
  const save = useAction();
  useEffect(() => {
    if (!quota) return;
    const hard = quota.hard.storage;
    if (hard < 0) return setAmount('');
    const best = (Object.keys(UNITS) as (keyof typeof UNITS)[]).filter((u) => hard % UNITS[u] === 0).pop() ?? 'MiB';
    setUnit(best);
    setAmount(String(hard / UNITS[best]));
  }, [quota]);
  if (!props.admin) return null;
  const limit = quota ? (quota.hard.storage < 0 ? t('unlimited') : bytes(quota.hard.storage)) : '';
  return (
    <form
      className="panel form"
      aria-label={t('ariaQuota')}
      onSubmit={async (e) => {
        e.preventDefault();
        const storage = amount.trim() === '' ? -1 : Math.round(Number(amount) * UNITS[unit]);
        if ((await save.run(() => put(`/quotas/${props.projectId}`, { hard: { storage } }))) !== undefined)
          quotas.reload();
      }}
    >
      <h2>{t('quota')}</h2>
      <ErrorBox error={quotas.error} />
      {quota ? <p className="muted small">{t('quotaHint', { used: bytes(quota.used.storage) })}</p> : null}
      <p className="small">{t('quotaAdmin', { limit })}</p>
      <div className="inline-form">
        <input
          aria-label={t('limit')}
          inputMode="decimal"
          placeholder={t('unlimited')}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <select aria-label={t('unit')} value={unit} onChange={(e) => setUnit(e.target.value as keyof typeof UNITS)}>
          {Object.keys(UNITS).map((u) => (
            <option key={u}>{u}</option>
          ))}
        </select>
        <button type="submit" disabled={save.busy}>
          {c('save')}
        </button>
      </div>
      <ErrorBox error={save.error} />
    </form>
  );
}

function ProxyPanel(props: { registryId?: number }) {
  const t = useT(catalog);
  const registry = useApi<UpstreamRegistry>(props.registryId ? `/registries/${props.registryId}` : null);
  return (
    <div className="panel">
      <h2>{t('proxy')}</h2>
      {props.registryId ? (
        <p>
          {t('proxyOf', {
            name: registry.data?.name ?? `#${props.registryId}`,
            url: registry.data?.url ?? '…',
          })}
        </p>
      ) : (
        <p className="muted">{t('hosted')}</p>
      )}
    </div>
  );
}
