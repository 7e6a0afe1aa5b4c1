// Runs the bundled CLI (bin/gridrewire.js -> out/main/cli.js) as a user would.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'gridrewire.js');

export function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', input: opts.input, env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
