// Bundles main/, preload/ and renderer/ with esbuild. Needs no Electron binary:
// 'electron' and native modules stay external and are resolved at run time.
//
// Source maps: main/ and preload/ get them (stack traces while developing;
// electron-builder.yml leaves every .map out of the package). The renderer,
// which the loopback server serves to a browser, gets none unless
// GRIDREWIRE_SOURCEMAPS=1, and the server refuses .map files either way.
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out');
// pdfkit reads its font metrics (js/data/*.afm) from its own folder at run time,
// and exceljs is large: both stay in node_modules, resolved from out/main/.
const external = ['electron', 'better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'pdfkit', 'exceljs'];
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, external, logLevel: 'warning' };

const rendererMaps = process.env.GRIDREWIRE_SOURCEMAPS === '1';
const mainEntries = ['index', 'server', 'cli', 'worker'].filter((e) => existsSync(join(root, 'main', `${e}.ts`)));
await Promise.all([
  build({ ...node, entryPoints: mainEntries.map((e) => join(root, 'main', `${e}.ts`)), outdir: join(out, 'main') }),
  build({ ...node, entryPoints: [join(root, 'preload', 'index.ts')], outfile: join(out, 'preload', 'index.js') }),
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', sourcemap: rendererMaps, logLevel: 'warning',
    entryPoints: [join(root, 'renderer', 'main.tsx')], outfile: join(out, 'renderer', 'app.js'),
    define: { 'process.env.NODE_ENV': '"production"' }, minify: true,
  }),
]);
mkdirSync(join(out, 'renderer'), { recursive: true });
// A map left by an earlier build with maps on.
if (!rendererMaps) for (const f of readdirSync(join(out, 'renderer'))) if (f.endsWith('.map')) rmSync(join(out, 'renderer', f));
cpSync(join(root, 'renderer', 'index.html'), join(out, 'renderer', 'index.html'));
if (existsSync(join(root, 'renderer', 'styles.css'))) cpSync(join(root, 'renderer', 'styles.css'), join(out, 'renderer', 'styles.css'));
