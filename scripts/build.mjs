// Bundles main/, preload/ and renderer/ with esbuild. Needs no Electron binary:
// 'electron' and native modules stay external and are resolved at run time.
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out');
const external = ['electron', 'better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, external, logLevel: 'warning' };

const mainEntries = ['index', 'server', 'cli', 'worker'].filter((e) => existsSync(join(root, 'main', `${e}.ts`)));
await Promise.all([
  build({ ...node, entryPoints: mainEntries.map((e) => join(root, 'main', `${e}.ts`)), outdir: join(out, 'main') }),
  build({ ...node, entryPoints: [join(root, 'preload', 'index.ts')], outfile: join(out, 'preload', 'index.js') }),
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', sourcemap: true, logLevel: 'warning',
    entryPoints: [join(root, 'renderer', 'main.tsx')], outfile: join(out, 'renderer', 'app.js'),
    define: { 'process.env.NODE_ENV': '"production"' }, minify: true,
  }),
]);
mkdirSync(join(out, 'renderer'), { recursive: true });
cpSync(join(root, 'renderer', 'index.html'), join(out, 'renderer', 'index.html'));
if (existsSync(join(root, 'renderer', 'styles.css'))) cpSync(join(root, 'renderer', 'styles.css'), join(out, 'renderer', 'styles.css'));
