/**
 * Turns any failure (Harbor's `{errors:[{code,message}]}`, an OCI error, a
 * network failure, a body that is not JSON, a plain Error) into one sentence
 * a person can act on, in the console's language. Never shows raw JSON or HTML.
 */
import { ApiError } from '../api.ts';
import { format, getLocale, type Locale, messages } from '../i18n/index.ts';

export interface ErrorContext {
  /** The permission the failed action needs, e.g. "delete artifact in project team". */
  permission?: string;
  /** What the missing endpoint belongs to, e.g. "robot accounts". */
  feature?: string;
}

export const errorText = messages(
  {
    network: 'Cannot reach the server. Check the connection and try again.',
    signIn: 'Please sign in: this needs an account.',
    denied: 'Permission denied.',
    deniedNeeds: 'Permission denied: you need the “{permission}” permission.',
    serverSaid: 'The server said: {message}',
    absentFeature: '{feature} are not available on this server yet.',
    absent: 'This is not available on this server yet.',
    notFound: 'Not found: {message}',
    notFoundPlain: 'Not found.',
    tooMany: 'Too many requests: wait a moment and try again.',
    serverFailed: 'The server failed (HTTP {status}): {message}',
    serverFailedPlain: 'The server failed (HTTP {status}). Try again later.',
    failed: 'The request failed (HTTP {status}).',
    unknown: 'Something went wrong.',
  },
  {
    network: '无法连接服务器。请检查网络连接后重试。',
    signIn: '请先登录：此操作需要账户。',
    denied: '权限不足。',
    deniedNeeds: '权限不足：需要“{permission}”权限。',
    serverSaid: '服务器返回：{message}',
    absentFeature: '此服务器尚未提供{feature}。',
    absent: '此服务器尚未提供该功能。',
    notFound: '未找到：{message}',
    notFoundPlain: '未找到。',
    tooMany: '请求过多：请稍后重试。',
    serverFailed: '服务器出错（HTTP {status}）：{message}',
    serverFailedPlain: '服务器出错（HTTP {status}），请稍后重试。',
    failed: '请求失败（HTTP {status}）。',
    unknown: '出现了错误。',
  },
);

/** The readable part of a message: JSON is searched for its message, HTML and empty text give nothing. */
export function readable(message: unknown): string {
  if (typeof message !== 'string') return '';
  const text = message.trim();
  if (!text) return '';
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return readable(messageOf(JSON.parse(text)));
    } catch {
      return '';
    }
  }
  if (text.startsWith('<')) return '';
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}

/** The message field of Harbor, OCI and other common error bodies. */
function messageOf(body: unknown): unknown {
  if (Array.isArray(body)) return messageOf(body[0]);
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body : '';
  const o = body as Record<string, unknown>;
  if (o.errors) return messageOf(o.errors);
  return o.message ?? o.error ?? o.detail ?? o.code ?? '';
}

/** A sentence: first letter up, a full stop at the end when it has none. */
function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?。！？…)]$/.test(s) ? s : `${s}.`;
}

export function describeError(error: unknown, context: ErrorContext = {}, locale: Locale = getLocale()): string {
  const t = (key: keyof (typeof errorText)['en'], vars?: Record<string, string | number>) =>
    format(errorText[locale][key], vars);
  if (!(error instanceof ApiError)) {
    const text = readable(error instanceof Error ? error.message : error);
    if (error instanceof TypeError && /fetch|network/i.test(text)) return t('network');
    return text ? sentence(text) : t('unknown');
  }
  const message = readable(error.message);
  const said = message ? ` ${t('serverSaid', { message: sentence(message) })}` : '';
  if (error.status === 0) return t('network');
  if (error.status === 401) return t('signIn');
  if (error.status === 403)
    return (context.permission ? t('deniedNeeds', { permission: context.permission }) : t('denied')) + said;
  if (error.absent) return context.feature ? sentence(t('absentFeature', { feature: context.feature })) : t('absent');
  if (error.status === 404) return message ? t('notFound', { message: sentence(message) }) : t('notFoundPlain');
  if (error.status === 429) return t('tooMany');
  if (error.status >= 500)
    return message
      ? t('serverFailed', { status: error.status, message: sentence(message) })
      : t('serverFailedPlain', { status: error.status });
  return message ? sentence(message) : t('failed', { status: error.status });
}
