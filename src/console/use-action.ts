import { useState } from 'preact/hooks';
import { fail } from './session';

export interface Action {
  busy: boolean;
  /** What went wrong the last time, as a sentence; null while fine. */
  error: string | null;
  /** Runs `work` with `busy` set; a failure lands in `error` (a 401 on the sign-in form). */
  run: (work: () => Promise<void>) => Promise<void>;
}

/** The state of one button's action on a console page (send, remove, issue…). */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (e) {
      fail(e, setError);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
