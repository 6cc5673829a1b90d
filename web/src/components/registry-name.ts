/**
 * The registry's name from system settings, read from the public
 * /systeminfo so the header shows it to visitors too; the settings page
 * passes a saved name on at once (no reload).
 */
import { useEffect, useSyncExternalStore } from 'react';
import { request } from '../api.ts';

let current: string | null = null;
let asked = false;
const listeners = new Set<() => void>();

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
const snapshot = () => current;

export function setRegistryName(name: string): void {
  current = name;
  document.title = name;
  for (const listener of listeners) listener();
}

/** The name, or null until the server has answered (an old server without it: Berth). */
export function useRegistryName(): string | null {
  const name = useSyncExternalStore(subscribe, snapshot, snapshot);
  useEffect(() => {
    if (asked) return;
    asked = true;
    request<{ registry_name?: string }>('/systeminfo')
      .then(({ data }) => setRegistryName(data.registry_name || 'Berth'))
      .catch(() => setRegistryName('Berth'));
  }, []);
  return name;
}
