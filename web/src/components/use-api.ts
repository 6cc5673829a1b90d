/** Loads one API path and keeps the answer, the error and a reload function (`text`: the body as sent). */
import { useCallback, useEffect, useState } from 'react';
import { request } from '../api.ts';

export interface Loaded<T> {
  data: T | null;
  /** The path `data` was loaded from: while a new path loads, the last answer stays (no flicker). */
  dataPath: string | null;
  total: number | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null, options: { text?: boolean } = {}): Loaded<T> {
  const [state, setState] = useState<{
    data: T | null;
    dataPath: string | null;
    total: number | null;
    error: unknown;
    loading: boolean;
  }>({
    data: null,
    dataPath: null,
    total: null,
    error: null,
    loading: path !== null,
  });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: generation forces a reload
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    request<T>(path, { text: options.text }).then(
      (r) => current && setState({ data: r.data, dataPath: path, total: r.total, error: null, loading: false }),
      (error) => current && setState({ data: null, dataPath: null, total: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, generation, options.text]);
  return { ...state, reload };
}
