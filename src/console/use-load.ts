import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { fail } from './session';

export interface Loaded<T> {
  /** The last answer (kept while a reload runs, so the page does not flicker); null before the first. */
  data: T | null;
  error: string | null;
  loading: boolean;
  /** Loads again; resolves when done (errors land in `error`, a 401 on the sign-in form). */
  reload: () => Promise<void>;
}

/**
 * Loads what a page shows when it opens and whenever `deps` change; an
 * answer that arrives after the page moved on (or after a newer load) is
 * dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);

  // `load` is a fresh closure at each render; `deps` say when what it loads changes.
  const run = useCallback(async () => {
    const n = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      const d = await load();
      if (n === latest.current) setData(d);
    } catch (e) {
      if (n === latest.current) fail(e, setError);
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, deps);

  useEffect(() => {
    void run();
    // Unmounted or deps changed: a late answer is not for this page any more.
    return () => void latest.current++;
  }, [run]);

  return { data, error, loading, reload: run };
}
