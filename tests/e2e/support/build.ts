import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = new URL('../../..', import.meta.url).pathname;

/** A production build of the app with build-time settings (FV_APP_VERSION, FV_RECOVERY_KID) into a new temp dir; returns it. */
export async function buildApp(env: Record<string, string>): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'fv-e2e-dist-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return outDir;
}
