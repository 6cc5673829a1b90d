/** A project's signing settings: Harbor's content-trust switches (the pull gate) and its trusted keys. */
import { type FormEvent, useState } from 'react';
import { del, post, put } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';

interface TrustedKey {
  id: number;
  name: string;
  kind: 'public_key' | 'certificate';
  algorithm: string;
  fingerprint: string;
  creation_time: string;
}

interface ProjectView {
  metadata: Record<string, string>;
}

const SWITCHES = [
  { key: 'enable_content_trust_cosign', label: 'cosignSwitch' },
  { key: 'enable_content_trust', label: 'notationSwitch' },
] as const;

export function SigningPage(props: { project: string }) {
  const t = useT(text);
  const base = `/projects/${encodeURIComponent(props.project)}`;
  const project = useApi<ProjectView>(base);
  const keys = useApi<TrustedKey[]>(`${base}/trusted-keys`);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'public_key' | 'certificate'>('public_key');
  const [pem, setPem] = useState('');
  const action = useAction();
  const { ask, dialog } = useConfirm();
  /** Switches as just clicked, shown until the project is read back (or the change fails). */
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const permission = t('permission', { project: props.project });

  /** Runs a change and reads the project and keys back; true when it worked. */
  const change = async (fn: () => Promise<unknown>) => {
    const done = await action.run(async () => {
      await fn();
      return true;
    });
    project.reload();
    keys.reload();
    return done === true;
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await change(() => post(`${base}/trusted-keys`, { name: name.trim(), [kind]: pem }))) {
      setName('');
      setPem('');
    }
  };
  const toggle = async (key: string, on: boolean) => {
    setPending((p) => ({ ...p, [key]: on }));
    // The switch keeps its new state once saved (the reload reads the same value back); a refused change puts it back.
    if (!(await change(() => put(base, { metadata: { [key]: String(on) } }))))
      setPending(({ [key]: _, ...rest }) => rest);
  };
  const remove = async (k: TrustedKey) => {
    const ok = await ask({
      title: t('removeTitle', { name: k.name }),
      message: t('removeMessage'),
      confirmLabel: t('remove'),
    });
    if (ok) await change(() => del(`${base}/trusted-keys/${k.id}`));
  };
  return (
    <section>
      {dialog}
      <ProjectTabs project={props.project} current="signing" />
      <ErrorBox
        error={project.error ?? keys.error}
        onRetry={keys.reload}
        context={{ permission, feature: t('feature') }}
      />
      {project.data ? (
        <div className="panel">
          <h2>{t('gate')}</h2>
          <p className="muted small">{t('gateHint')}</p>
          {SWITCHES.map((s) => (
            <label key={s.key} className="check">
              <input
                type="checkbox"
                checked={pending[s.key] ?? project.data?.metadata[s.key] === 'true'}
                disabled={action.busy}
                onChange={(e) => void toggle(s.key, e.target.checked)}
              />{' '}
              {t(s.label)}
            </label>
          ))}
        </div>
      ) : null}
      <div className="panel">
        <h2>{t('keys')}</h2>
        <form className="stack-form" onSubmit={add}>
          <input
            aria-label={t('keyName')}
            placeholder={t('name')}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <select aria-label={t('kind')} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="public_key">{t('publicKeyOption')}</option>
            <option value="certificate">{t('certificateOption')}</option>
          </select>
          <textarea
            aria-label="PEM"
            rows={6}
            placeholder="-----BEGIN PUBLIC KEY-----"
            value={pem}
            onChange={(e) => setPem(e.target.value)}
          />
          <button type="submit" disabled={!name.trim() || !pem.trim() || action.busy}>
            {t('addKey')}
          </button>
        </form>
        <ErrorBox error={action.error} context={{ permission }} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('nameHead')}</th>
                <th>{t('kindHead')}</th>
                <th>{t('algorithm')}</th>
                <th>{t('fingerprint')}</th>
                <th className="hide-narrow">{t('added')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.kind === 'certificate' ? t('certificate') : t('publicKey')}</td>
                  <td>{k.algorithm}</td>
                  <td className="mono small">{k.fingerprint}</td>
                  <td className="hide-narrow">{dateTime(k.creation_time)}</td>
                  <td className="right">
                    <button
                      type="button"
                      className="link danger-text"
                      disabled={action.busy}
                      onClick={() => void remove(k)}
                    >
                      {t('remove')}
                    </button>
                  </td>
                </tr>
              ))}
              {keys.data && keys.data.length === 0 ? <EmptyRow columns={6}>{t('noKeys')}</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

const text = messages(
  {
    permission: 'change the signing settings of project {project}',
    feature: 'signing',
    cosignSwitch: 'Require a cosign signature from a trusted key',
    notationSwitch: 'Require a notation signature from a trusted certificate',
    gate: 'Pull gate',
    gateHint:
      "With a switch on, a client's pull of an image without a valid signature is refused (412) with the reason.",
    keys: 'Trusted keys and certificates',
    keyName: 'key name',
    name: 'name',
    kind: 'kind',
    publicKeyOption: 'Public key (cosign)',
    certificateOption: 'Certificate (notation CA or leaf)',
    addKey: 'Add key',
    nameHead: 'Name',
    kindHead: 'Kind',
    algorithm: 'Algorithm',
    fingerprint: 'Fingerprint',
    added: 'Added',
    certificate: 'certificate',
    publicKey: 'public key',
    remove: 'Remove',
    removeTitle: 'Stop trusting {name}?',
    removeMessage:
      'Signatures made with it no longer count; with the pull gate on, images signed only by it are refused.',
    noKeys: 'No trusted keys yet.',
  },
  {
    permission: '更改项目 {project} 的签名设置',
    feature: '签名功能',
    cosignSwitch: '要求由受信任密钥生成的 cosign 签名',
    notationSwitch: '要求由受信任证书生成的 notation 签名',
    gate: '拉取限制',
    gateHint: '开启后，客户端拉取没有有效签名的镜像时将被拒绝（412）并附带原因。',
    keys: '受信任的密钥和证书',
    keyName: '密钥名称',
    name: '名称',
    kind: '类型',
    publicKeyOption: '公钥（cosign）',
    certificateOption: '证书（notation CA 或叶证书）',
    addKey: '添加密钥',
    nameHead: '名称',
    kindHead: '类型',
    algorithm: '算法',
    fingerprint: '指纹',
    added: '添加时间',
    certificate: '证书',
    publicKey: '公钥',
    remove: '移除',
    removeTitle: '不再信任 {name}？',
    removeMessage: '由它生成的签名将不再有效；开启拉取限制时，仅由它签名的镜像将被拒绝。',
    noKeys: '尚无受信任的密钥。',
  },
);
