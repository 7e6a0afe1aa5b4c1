// Where the app's own files are, from source (tsx) or from the bundle in out/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null = null;

/** The folder holding GridRewire's package.json. */
export function appRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'gridrewire') return (root = dir);
      } catch { /* keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find GridRewire's folder above ${__dirname}`);
    dir = up;
  }
}

export const resourcesDir = (): string => join(appRoot(), 'resources');
export const casesDir = (): string => join(resourcesDir(), 'cases');
export const rendererDir = (): string => join(appRoot(), 'out', 'renderer');
