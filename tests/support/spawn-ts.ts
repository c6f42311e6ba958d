import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Runs a TypeScript entry (server/main.ts, server/cli.ts) as ONE Node
 * process with tsx as a loader. The `tsx` binary would fork a child, and a
 * SIGKILL meant to simulate a crash would kill only the wrapper, leaving the
 * real server running (and answering) behind it.
 */
export function spawnTs(script: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], opts);
}
