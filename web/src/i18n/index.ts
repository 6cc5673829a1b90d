/**
 * The console's languages. Each page or component declares its own catalog
 * with `messages(en, zh)` beside it (so pages never collide on one big file,
 * and TypeScript refuses a Chinese catalog that lacks an English key), and
 * reads it with `useT(catalog)`. The chosen locale is kept in localStorage and
 * every mounted page re-renders when it changes.
 */
import { useSyncExternalStore } from 'react';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

export interface Catalog<K extends string> {
  en: Record<K, string>;
  'zh-CN': Record<K, string>;
}

/** Declares a catalog: English first (its keys are the catalog's keys), then Simplified Chinese for every key. */
export function messages<const E extends Record<string, string>>(
  en: E,
  zh: Record<keyof E & string, string>,
): Catalog<keyof E & string> {
  return { en, 'zh-CN': zh };
}

const STORAGE_KEY = 'berth.locale';
const listeners = new Set<() => void>();

function initialLocale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // storage refused (private mode): fall back to the browser's language
  }
  const lang = globalThis.navigator?.language ?? 'en';
  return lang.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let current: Locale = initialLocale();

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale): void {
  current = locale;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  } catch {
    // not persisted; the choice still holds for this page load
  }
  if (globalThis.document) document.documentElement.lang = locale;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLocale(): Locale {
  return useSyncExternalStore(subscribe, getLocale, getLocale);
}

export type Translate<K extends string> = (key: K, vars?: Record<string, string | number>) => string;

/** Fills `{name}` placeholders; a missing variable is left visible so it is noticed. */
export function format(template: string, vars?: Record<string, string | number>): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The translate function of a catalog in the current locale. */
export function useT<K extends string>(catalog: Catalog<K>): Translate<K> {
  const locale = useLocale();
  return (key, vars) => format(catalog[locale][key] ?? catalog.en[key] ?? key, vars);
}
