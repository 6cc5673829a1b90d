/** The header's language choice: kept in localStorage, and sets `<html lang>` (see i18n/index.ts). */
import { useEffect } from 'react';
import { common } from '../i18n/common.ts';
import { LOCALE_NAMES, LOCALES, type Locale, setLocale, useLocale, useT } from '../i18n/index.ts';

export function LanguageSwitch() {
  const locale = useLocale();
  const t = useT(common);
  // The saved or browser-chosen language is in effect before any switch: say so to the document.
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <select
      className="language"
      aria-label={t('language')}
      value={locale}
      onChange={(e) => setLocale(e.target.value as Locale)}
    >
      {LOCALES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LOCALE_NAMES[l]}
        </option>
      ))}
    </select>
  );
}
