/** Formatting shared by the pages (words in the console's current language). */
import { getLocale, messages } from './i18n/index.ts';

const words = messages(
  { justNow: 'just now', min: '{n} min ago', h: '{n} h ago', d: '{n} d ago', unknown: 'unknown' },
  { justNow: '刚刚', min: '{n} 分钟前', h: '{n} 小时前', d: '{n} 天前', unknown: '未知' },
);
const word = (key: keyof (typeof words)['en'], n = 0) => words[getLocale()][key].replace('{n}', String(n));

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function shortDigest(digest: string): string {
  const [alg, hex = ''] = digest.split(':');
  return `${alg}:${hex.slice(0, 12)}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return word('justNow');
  if (s < 3600) return word('min', Math.floor(s / 60));
  if (s < 86400) return word('h', Math.floor(s / 3600));
  return word('d', Math.floor(s / 86400));
}

export function platform(p: { os?: string; architecture?: string; variant?: string } | null | undefined): string {
  if (!p) return word('unknown');
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The registry host people pull from: the console's own host. */
export function registryHost(): string {
  return location.host;
}

/**
 * A podman command against this registry: with `--tls-verify=false` when the
 * console is served over plain HTTP (podman refuses it otherwise).
 */
export function podmanCommand(verb: 'pull' | 'login' | 'push', rest: string): string {
  const insecure = location.protocol === 'http:' ? ' --tls-verify=false' : '';
  return `podman ${verb}${insecure} ${rest}`;
}
