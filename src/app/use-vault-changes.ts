import { useEffect, useRef } from 'preact/hooks';
import { onVaultChange } from './vault-client';

type Listener = (collection: string) => void;
const listeners = new Set<Listener>();
let subscribed = false;

/**
 * Calls `fn` whenever this tab or another one changes a collection. One
 * worker subscription serves every mounted screen.
 */
export function useVaultChanges(fn: Listener): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!subscribed) {
      subscribed = true;
      onVaultChange((e) => listeners.forEach((l) => l(e.collection)));
    }
    const l: Listener = (c) => ref.current(c);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
}
