/**
 * Create or change a registry connection. A new Berth connection may get its
 * credentials as a pull-only robot made in the same step (pick the project);
 * otherwise a username and password. Errors the API pins on one field show
 * under that field.
 */
import { type FormEvent, useState } from 'react';
import { post, put } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { messages, useT } from '../../i18n/index.ts';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import { CONNECTION_TYPES, type Connection } from './types.ts';

const FIELDS = ['name', 'type', 'address', 'username', 'password', 'email', 'robot', 'robot.project', 'robot.name'];

interface Form {
  name: string;
  type: string;
  address: string;
  username: string;
  password: string;
  description: string;
  credentials: 'password' | 'robot';
  project: string;
  robotName: string;
}

export function ConnectionForm(props: { initial?: Connection; onDone: (c: Connection) => void; onCancel: () => void }) {
  const t = useT(text);
  const editing = props.initial;
  const [form, setForm] = useState<Form>({
    name: editing?.name ?? '',
    type: editing?.type ?? 'berth',
    address: editing?.address ?? location.origin,
    username: editing?.username ?? '',
    password: '',
    description: editing?.description ?? '',
    credentials: editing ? 'password' : 'robot',
    project: '',
    robotName: '',
  });
  const robot = !editing && form.type === 'berth' && form.credentials === 'robot';
  const projects = useApi<{ project_id: number; name: string }[]>(robot ? '/projects?page_size=100' : null);
  const action = useAction();
  const set = (changes: Partial<Form>) => setForm((f) => ({ ...f, ...changes }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      type: form.type,
      address: form.address.trim(),
      description: form.description,
    };
    if (robot) {
      body.robot = { project: form.project, ...(form.robotName.trim() ? { name: form.robotName.trim() } : {}) };
    } else if (!editing?.berth_robot || editing.berth_robot !== editing.username) {
      body.username = form.username.trim();
      if (form.password || !editing) body.password = form.password;
    }
    const saved = await action.run(() =>
      editing
        ? put<Connection>(`/kube/connections/${editing.id}`, body)
        : post<Connection>('/kube/connections', { ...body, name: form.name.trim() }),
    );
    if (saved) props.onDone(saved);
  };

  const input = (field: keyof Form, label: string, extra: { type?: string; placeholder?: string } = {}) => (
    <label className="field">
      {label}
      <input
        aria-label={label}
        type={extra.type ?? 'text'}
        value={form[field]}
        placeholder={extra.placeholder}
        autoComplete={extra.type === 'password' ? 'new-password' : 'off'}
        onChange={(e) => set({ [field]: e.target.value })}
      />
    </label>
  );

  return (
    <form className="panel kube-form" onSubmit={submit}>
      <h2>{editing ? t('editTitle', { name: editing.name }) : t('newTitle')}</h2>
      {editing ? null : (
        <>
          {input('name', t('name'), { placeholder: t('nameHint') })}
          <FieldError error={action.error} field="name" />
        </>
      )}
      <label className="field">
        {t('type')}
        <select aria-label={t('type')} value={form.type} onChange={(e) => set({ type: e.target.value })}>
          {CONNECTION_TYPES.map((type) => (
            <option key={type.value} value={type.value}>
              {type.value === 'oci' ? t('ociRegistry') : type.label}
            </option>
          ))}
        </select>
      </label>
      <FieldError error={action.error} field="type" />
      {input('address', t('address'), { placeholder: 'https://reg.example.com' })}
      <span className="hint">{t('addressHint')}</span>
      <FieldError error={action.error} field="address" />
      {!editing && form.type === 'berth' ? (
        <fieldset className="choice">
          <legend>{t('credentials')}</legend>
          <label className="check">
            <input
              type="radio"
              name="credentials"
              checked={form.credentials === 'robot'}
              onChange={() => set({ credentials: 'robot' })}
            />
            {t('createRobot')}
          </label>
          <label className="check">
            <input
              type="radio"
              name="credentials"
              checked={form.credentials === 'password'}
              onChange={() => set({ credentials: 'password' })}
            />
            {t('userPassword')}
          </label>
        </fieldset>
      ) : null}
      {robot ? (
        <>
          <label className="field">
            {t('project')}
            <select aria-label={t('project')} value={form.project} onChange={(e) => set({ project: e.target.value })}>
              <option value="">{t('chooseProject')}</option>
              {(projects.data ?? []).map((p) => (
                <option key={p.project_id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <FieldError error={action.error} field={['robot', 'robot.project']} />
          {input('robotName', t('robotName'), {
            placeholder: form.name ? t('defaultName', { name: form.name }) : t('defaultTheName'),
          })}
          <span className="hint">
            {t('becomes')}{' '}
            <code>
              robot${form.project || 'project'}+{form.robotName || form.name || 'name'}
            </code>
            {t('follows')}
          </span>
          <FieldError error={action.error} field="robot.name" />
        </>
      ) : editing?.berth_robot && editing.berth_robot === editing.username ? (
        <p className="hint">
          {t('robotCredentials')} <code>{editing.berth_robot}</code>
          {t('refreshThere')}
        </p>
      ) : (
        <>
          {input('username', t('username'))}
          <FieldError error={action.error} field="username" />
          {input('password', editing ? t('passwordKeep') : t('password'), { type: 'password' })}
          <FieldError error={action.error} field="password" />
        </>
      )}
      {input('description', t('description'))}
      {action.error && !isFieldError(action.error, FIELDS) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={props.onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" disabled={action.busy || (robot && !form.project)}>
          {action.busy ? t('saving') : editing ? t('save') : robot ? t('createWithRobot') : t('create')}
        </button>
      </div>
    </form>
  );
}

const text = messages(
  {
    editTitle: 'Edit {name}',
    newTitle: 'New registry connection',
    name: 'Name',
    nameHint: 'e.g. internal',
    type: 'Type',
    ociRegistry: 'OCI registry',
    address: 'Address',
    addressHint: 'Starts with https:// (or http:// for a registry without TLS).',
    credentials: 'Credentials',
    createRobot: 'Create a Berth robot (pull only)',
    userPassword: 'Username and password',
    project: 'Project',
    chooseProject: 'choose a project…',
    robotName: 'Robot name',
    defaultName: 'default: {name}',
    defaultTheName: 'default: the name',
    becomes: 'Becomes',
    follows: '; when its secret is refreshed, this connection and its copies in clusters follow.',
    robotCredentials: 'Credentials: the robot',
    refreshThere:
      ". Refresh its secret on its project's robot page; this connection and its copies in clusters follow.",
    username: 'Username',
    password: 'Password',
    passwordKeep: 'Password (leave empty to keep)',
    description: 'Description',
    cancel: 'Cancel',
    saving: 'Saving…',
    save: 'Save',
    createWithRobot: 'Create connection and robot',
    create: 'Create connection',
  },
  {
    editTitle: '编辑 {name}',
    newTitle: '新建仓库连接',
    name: '名称',
    nameHint: '例如 internal',
    type: '类型',
    ociRegistry: 'OCI 镜像仓库',
    address: '地址',
    addressHint: '以 https:// 开头（没有 TLS 的镜像仓库用 http://）。',
    credentials: '凭据',
    createRobot: '创建 Berth 机器人账户（仅拉取）',
    userPassword: '用户名和密码',
    project: '项目',
    chooseProject: '选择项目…',
    robotName: '机器人账户名称',
    defaultName: '默认：{name}',
    defaultTheName: '默认：与连接同名',
    becomes: '将成为',
    follows: '；刷新其密钥时，此连接及其在各集群中的副本会随之更新。',
    robotCredentials: '凭据：机器人账户',
    refreshThere: '。请在其项目的机器人账户页面刷新密钥；此连接及其在各集群中的副本会随之更新。',
    username: '用户名',
    password: '密码',
    passwordKeep: '密码（留空则保持不变）',
    description: '描述',
    cancel: '取消',
    saving: '正在保存…',
    save: '保存',
    createWithRobot: '创建连接和机器人账户',
    create: '创建连接',
  },
);
