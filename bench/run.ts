// npm run bench: the speed figures of the README, measured on this machine.
// Prints one table and writes bench/results.json. A benchmark, never a test:
// nothing here fails on a slow machine; the targets are printed beside the
// figures. Sections: parse, pf, n1, store, learn (all by default), e.g.
//   npm run bench -- pf n1
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseMatpower } from '../main/core/grid/matpower';
import { runPowerFlow } from '../main/core/grid/powerflow';
import { runN1 } from '../main/services/n1';
import { sections as extraSections } from './sections';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');
const CASES = join(ROOT, '..', 'shared', 'cases');
const text = (name: string) => readFileSync(join(CASES, `${name}.m`), 'utf8');

export interface Row {
  section: string;
  what: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

const rows: Row[] = [];
export function record(r: Row): void {
  rows.push(r);
  const v = r.value >= 100 ? r.value.toFixed(0) : r.value >= 1 ? r.value.toFixed(2) : r.value.toPrecision(3);
  process.stdout.write(`  ${r.section.padEnd(7)} ${r.what.padEnd(58)} ${v.padStart(10)} ${r.unit.padEnd(12)} ${(r.target ?? '').padEnd(12)} ${r.note ?? ''}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeIt(fn: () => void, runs: number): number[] {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
  return t;
}

const PF_CASES = ['case118', 'case2383wp', 'case_ACTIVSg2000', 'case9241pegase'];

const builtin: Record<string, () => Promise<void>> = {
  async parse() {
    for (const name of PF_CASES) {
      const src = text(name);
      parseMatpower(src); // warm up
      const ms = median(timeIt(() => parseMatpower(src), 7));
      record({ section: 'parse', what: `parse ${name}.m (${(src.length / 1e6).toFixed(2)} MB), median of 7`, value: ms, unit: 'ms', target: name === 'case9241pegase' ? '<= 400 ms' : undefined, note: name === 'case9241pegase' ? `MATPOWER/Octave loads it in 1.9 s: ${(1900 / ms).toFixed(1)}x` : undefined });
    }
  },
  async pf() {
    for (const name of PF_CASES) {
      const c = parseMatpower(text(name));
      runPowerFlow(c); // warm up the JIT
      let it = 0;
      const ms = median(timeIt(() => { it = runPowerFlow(c).iterations; }, 7));
      record({ section: 'pf', what: `AC solve ${name} (compile+Ybus+ordering+NR, ${it} it), median of 7`, value: ms, unit: 'ms', target: name === 'case9241pegase' ? '<= 300 ms' : undefined, note: name === 'case9241pegase' ? `MATPOWER/Octave 1.04 s: ${(1040 / ms).toFixed(1)}x` : undefined });
    }
  },
  async n1() {
    // Small cases finish in a fraction of a second, so JIT warm-up weighs on
    // one run: report the median of several runs and the first run beside it.
    const runs: { name: string; n?: number; repeat: number; target: string; lightsim?: number; matpower?: number }[] = [
      { name: 'case118', repeat: 7, target: '<= 0.5 ms', lightsim: 0.094, matpower: 135 },
      { name: 'case2383wp', repeat: 1, target: '<= 8 ms' },
      { name: 'case9241pegase', n: 1000, repeat: 1, target: '<= 40 ms', lightsim: 20 },
    ];
    for (const r of runs) {
      const src = text(r.name);
      const elements = r.n ? Array.from({ length: r.n }, (_, i) => i + 1) : undefined;
      const per: number[] = [];
      let last = await runN1({ caseText: src, fileName: `${r.name}.m`, elements });
      per.push((last.seconds * 1000) / last.records.length);
      for (let i = 1; i < r.repeat; i++) {
        last = await runN1({ caseText: src, fileName: `${r.name}.m`, elements });
        per.push((last.seconds * 1000) / last.records.length);
      }
      const m = median(per);
      const notes = [`${last.records.length} outages, ${last.workers} thread(s)` + (r.repeat > 1 ? `, median of ${r.repeat} runs (first run ${per[0].toFixed(2)} ms)` : `, ${last.seconds.toFixed(2)} s`)];
      if (r.lightsim) notes.push(`lightsim2grid ${r.lightsim} ms: ${(m / r.lightsim).toFixed(2)}x its time`);
      if (r.matpower) notes.push(`MATPOWER/Octave ${r.matpower} ms: ${(r.matpower / m).toFixed(0)}x faster`);
      record({ section: 'n1', what: `AC N-1 ${r.name}${r.n ? ` (first ${r.n} branches)` : ''}, wall time per contingency`, value: m, unit: 'ms', target: r.target, note: notes.join('; ') });
    }
    const src = text('case9241pegase');
    const dc = await runN1({ caseText: src, fileName: 'case9241pegase.m', mode: 'dc' });
    record({ section: 'n1', what: `DC-LODF N-1 case9241pegase, all ${dc.records.length} branches`, value: dc.seconds, unit: 's', target: '<= 20 s', note: `${((dc.seconds * 1000) / dc.records.length).toFixed(2)} ms each, ${dc.workers} thread(s)` });
  },
};

/** Jiffies of all CPU time and of steal (time a virtual machine's CPU was taken by the host), from /proc/stat; null elsewhere. */
function cpuSteal(): { total: number; steal: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const all: Record<string, () => Promise<void>> = { ...builtin, ...extraSections(record, median) };
  const want = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = want.length ? want : Object.keys(all);
  for (const w of chosen) if (!all[w]) throw new Error(`unknown bench section '${w}' (have ${Object.keys(all).join(', ')})`);
  process.stdout.write(`GridRewire bench on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
  process.stdout.write(`  ${'section'.padEnd(7)} ${'what'.padEnd(58)} ${'value'.padStart(10)} ${'unit'.padEnd(12)} ${'target'.padEnd(12)} note\n`);
  const steal0 = cpuSteal();
  for (const s of chosen) await all[s]();
  const steal1 = cpuSteal();
  // On a virtual machine the host may take CPU time away: figures then vary
  // between runs. Printed so that a reader can weigh them.
  const stealPct = steal0 && steal1 && steal1.total > steal0.total ? (100 * (steal1.steal - steal0.steal)) / (steal1.total - steal0.total) : null;
  if (stealPct !== null) process.stdout.write(`CPU steal during the run: ${stealPct.toFixed(1)}% of all CPU time (host load on this virtual machine; figures vary with it)\n`);
  const outDir = join(ROOT, 'bench');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'results.json');
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, stealPercent: stealPct }, rows }, null, 2));
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((e) => { process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n'); process.exitCode = 1; });
