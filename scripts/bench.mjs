// npm run bench: bundle bench/run.ts next to the app's worker (out/main) so the
// figures are those of the shipped code, then run it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'out', 'main', 'bench.js');
await build({
  entryPoints: [join(root, 'bench', 'run.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  sourcemap: true, external: ['electron', 'better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'playwright-core', 'pdfkit', 'exceljs'], logLevel: 'warning',
  define: { 'process.env.GRIDREWIRE_BENCH_ROOT': JSON.stringify(root) },
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
