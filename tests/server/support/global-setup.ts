import type { TestProject } from 'vitest/node';
import { PG_MISSING, startCluster } from '../../support/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the PostgreSQL cluster the server suites make their databases in. */
    pgUrl: string;
  }
}

/** Uses TEST_DATABASE_URL, or starts a throwaway cluster for the whole run and removes it after. */
export default async function setup(project: TestProject): Promise<() => void> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) {
    project.provide('pgUrl', fromEnv);
    return () => {};
  }
  const cluster = await startCluster().catch((e: Error) => {
    if (e.message !== PG_MISSING) throw e;
    // One sentence, no stack: the fix is an install, not a debugging session.
    process.stderr.write(`${PG_MISSING}\n`);
    process.exit(1);
  });
  project.provide('pgUrl', cluster.url);
  // Stop it however the run ends: normal teardown, Ctrl-C, or a crash.
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    cluster.stop();
  };
  process.once('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      stop();
      process.exit(130);
    });
  return stop;
}
