/**
 * Asking before an action, the one way every page does it: `ask(…)` opens the
 * ConfirmDialog and resolves to true (confirmed) or false (cancelled); render
 * `dialog` once in the page. Replaces window.confirm, which the browser styles
 * and test tools cannot read.
 */
import { type ReactNode, useCallback, useState } from 'react';
import { ConfirmDialog } from './ConfirmDialog.tsx';

export interface ConfirmRequest {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  /** When set, the person types this (a repository's name…) before confirming. */
  typeToConfirm?: string;
}

export function useConfirm(): { ask: (request: ConfirmRequest) => Promise<boolean>; dialog: ReactNode } {
  const [pending, setPending] = useState<(ConfirmRequest & { resolve: (ok: boolean) => void }) | null>(null);
  const ask = useCallback(
    (request: ConfirmRequest) => new Promise<boolean>((resolve) => setPending({ ...request, resolve })),
    [],
  );
  const dialog = pending ? (
    <ConfirmDialog
      title={pending.title}
      confirmLabel={pending.confirmLabel}
      typeToConfirm={pending.typeToConfirm}
      onConfirm={async () => {
        pending.resolve(true);
        setPending(null);
      }}
      onCancel={() => {
        pending.resolve(false);
        setPending(null);
      }}
    >
      <p>{pending.message}</p>
    </ConfirmDialog>
  ) : null;
  return { ask, dialog };
}
