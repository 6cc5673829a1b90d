/** Copies a text to the clipboard and says so. Falls back to selecting it where the clipboard API is refused. */
import { useState } from 'react';

import { messages, useT } from '../i18n/index.ts';

const text = messages(
  { copy: 'Copy', copied: 'Copied ✓', selectAndCopy: 'Select and copy' },
  { copy: '复制', copied: '已复制 ✓', selectAndCopy: '请选中后复制' },
);

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton(props: { text: string; label?: string }) {
  const t = useT(text);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="copy"
      aria-label={props.label ?? t('copy')}
      onClick={async () => {
        setState((await copy(props.text)) ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 1800);
      }}
    >
      {state === 'copied' ? t('copied') : state === 'failed' ? t('selectAndCopy') : (props.label ?? t('copy'))}
    </button>
  );
}

/** A command in a box with its copy button. */
export function CopyField(props: { text: string; label?: string }) {
  return (
    <div className="copy-field">
      <code>{props.text}</code>
      <CopyButton text={props.text} label={props.label} />
    </div>
  );
}
