/**
 * The bench page: owns the workers and relays the runner's calls to them.
 * It does no timing itself (see protocol.ts).
 */
import { wrap, type Remote } from 'comlink';
import type { BenchPage, SubjectInit, SubjectKind, VaultSubject } from './protocol';

interface WorkerApi extends VaultSubject {
  init(init: SubjectInit): Promise<void>;
}

const live = new Map<number, { worker: Worker; api: Remote<WorkerApi>; died: Promise<never> }>();
let nextHandle = 1;

function start(kind: SubjectKind): Worker {
  // Literal URLs so Vite bundles each worker.
  if (kind === 'vault') return new Worker(new URL('./vault-worker.ts', import.meta.url), { type: 'module', name: 'vault' });
  if (kind === 'sync') return new Worker(new URL('./sync-worker.ts', import.meta.url), { type: 'module', name: 'sync' });
  return new Worker(new URL('./dexie-worker.ts', import.meta.url), { type: 'module', name: 'dexie' });
}

/** A worker that dies (load error, crash) rejects instead of leaving the runner waiting. */
function failure(worker: Worker): Promise<never> {
  return new Promise((_, reject) => {
    worker.addEventListener('error', (e) => reject(new Error(`worker error: ${e.message || 'failed to load'}`)));
  });
}

const bench: BenchPage = {
  async spawn(kind, init) {
    const worker = start(kind);
    const api = wrap<WorkerApi>(worker);
    const died = failure(worker);
    died.catch(() => undefined);
    await Promise.race([api.init(init), died]);
    const handle = nextHandle++;
    live.set(handle, { worker, api, died });
    return handle;
  },
  async call(handle, method, args) {
    const w = live.get(handle);
    if (!w) throw new Error(`no worker ${handle}`);
    const fn = (w.api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
    return Promise.race([fn(...args), w.died]);
  },
  terminate(handle) {
    live.get(handle)?.worker.terminate();
    live.delete(handle);
  },
};

(globalThis as unknown as { bench: BenchPage }).bench = bench;
document.title = 'bench ready';
