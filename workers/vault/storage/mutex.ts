/**
 * Serializes writers of a partition. In browsers this is a Web Lock, so the
 * vault workers of every open tab take turns; elsewhere (unit tests in Node)
 * an in-process queue with the same contract.
 */
export interface Mutex {
  run<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

class WebLocksMutex implements Mutex {
  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return navigator.locks.request(name, { mode: 'exclusive' }, fn) as Promise<T>;
  }
}

/** Shared by every instance in this JS realm, as Web Locks are shared by every tab. */
const tails = new Map<string, Promise<unknown>>();

class LocalMutex implements Mutex {
  private tails = tails;
  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return next;
  }
}

export function createMutex(): Mutex {
  return typeof navigator !== 'undefined' && 'locks' in navigator && navigator.locks ? new WebLocksMutex() : new LocalMutex();
}
