/** Asks before a destructive action; the user may have to type a word to confirm. */
import { type ReactNode, useState } from 'react';

import { messages, useT } from '../i18n/index.ts';

const text = messages(
  { typeBefore: 'Type ', typeAfter: ' to confirm', cancel: 'Cancel', working: 'Working…' },
  { typeBefore: '输入 ', typeAfter: ' 以确认', cancel: '取消', working: '处理中…' },
);

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** When set, the confirm button stays disabled until this is typed. */
  typeToConfirm?: string;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}) {
  const t = useT(text);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const ready = !props.typeToConfirm || typed === props.typeToConfirm;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the backdrop cancels, as Escape and Cancel do
    <div className="overlay" role="presentation" onClick={props.onCancel}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
      >
        <h2>{props.title}</h2>
        <div>{props.children}</div>
        {props.typeToConfirm ? (
          <label className="field">
            {t('typeBefore')}
            <code>{props.typeToConfirm}</code>
            {t('typeAfter')}
            {/* biome-ignore lint/a11y/noAutofocus: the dialog asks for exactly this input */}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus />
          </label>
        ) : null}
        <div className="actions">
          <button type="button" onClick={props.onCancel} disabled={busy}>
            {t('cancel')}
          </button>
          <button
            type="button"
            className="danger"
            disabled={!ready || busy}
            onClick={async () => {
              setBusy(true);
              try {
                await props.onConfirm();
              } finally {
                setBusy(false);
              }
            }}
          >
            {busy ? t('working') : props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
