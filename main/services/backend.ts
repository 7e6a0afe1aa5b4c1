// Which learning backends this process can use, and loading the one a
// training run asks for. The TensorFlow.js packages are optional:
// tfjs-node-gpu and tfjs-node download libtensorflow at install time (often
// impossible: no network to that host, no CUDA), and @tensorflow/tfjs (pure
// JavaScript) may be absent too; a package that fails to load is reported
// with the reason and never breaks the install, the app or the tests.
//
//   tfjs-node-gpu   libtensorflow with CUDA: used by 'auto' when it loads and
//                   an NVIDIA device is present
//   tfjs-node       libtensorflow on the CPU
//   tfjs-cpu        @tensorflow/tfjs's pure JavaScript CPU backend
//   cpu             our sparse kernels (the default: faster than the two above
//                   on the sparse network, see the bench's tfjs section)
//
// Only one native package is loaded per process (both register the same
// 'tensorflow' backend); the native ones are only tried when asked for.

import { existsSync, readdirSync } from 'node:fs';
import type { Tf } from '../core/learn/tfjs/net';
import { installCpuSegmentSum } from '../core/learn/tfjs/cpu-kernels';

export type BackendName = 'cpu' | 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs-cpu';
export type BackendChoice = 'cpu' | 'tfjs' | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['cpu', 'tfjs', 'auto'];

export interface BackendStatus {
  name: BackendName;
  /** The npm package behind it (null for our own). */
  package: string | null;
  loaded: boolean;
  /** What it computes on, when loaded (e.g. 'CPU (pure JavaScript)'). */
  device: string | null;
  /** Why it did not load, or why 'auto' does not use it. */
  note: string;
}

export interface LearningBackend {
  name: BackendName;
  note: string;
}

const PACKAGES: Record<Exclude<BackendName, 'cpu'>, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  'tfjs-cpu': '@tensorflow/tfjs',
};

const loaded = new Map<BackendName, { tf: Tf; status: BackendStatus }>();
const failed = new Map<BackendName, BackendStatus>();

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return msg.length > 160 ? msg.slice(0, 157) + '...' : msg;
}

/** NVIDIA devices the driver lists (Linux); empty without a driver. */
function cudaDevices(): string[] {
  try {
    return existsSync('/proc/driver/nvidia/gpus') ? readdirSync('/proc/driver/nvidia/gpus') : [];
  } catch {
    return [];
  }
}

/** Loads one TensorFlow.js backend (cached, failures too). */
export function loadBackend(name: Exclude<BackendName, 'cpu'>): { tf: Tf; status: BackendStatus } | BackendStatus {
  const hit = loaded.get(name) ?? failed.get(name);
  if (hit) return hit;
  const pkg = PACKAGES[name];
  const fail = (note: string) => {
    const s: BackendStatus = { name, package: pkg, loaded: false, device: null, note };
    failed.set(name, s);
    return s;
  };
  const native = name !== 'tfjs-cpu';
  if (native) {
    const other = name === 'tfjs-node' ? 'tfjs-node-gpu' : 'tfjs-node';
    if (loaded.has(other)) return fail(`not loaded: ${PACKAGES[other]} already holds the native TensorFlow backend in this process`);
  }
  let tf: Tf;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tf = require(pkg) as Tf;
  } catch (e) {
    const msg = firstLine(e);
    return fail(/Cannot find module '@tensorflow\/tfjs(-node(-gpu)?)?'/.test(msg)
      ? `${pkg} is not installed${native ? ' (optional: its install step downloads libtensorflow 2.9.1, which failed or was skipped)' : ''}`
      : `${pkg} failed to load: ${msg}`);
  }
  try {
    let device: string;
    if (native) {
      const gpus = name === 'tfjs-node-gpu' ? cudaDevices() : [];
      device = name === 'tfjs-node-gpu' ? (gpus.length ? `GPU (CUDA, ${gpus.length} NVIDIA device${gpus.length > 1 ? 's' : ''})` : 'no CUDA device found (libtensorflow runs on the CPU)') : 'CPU (libtensorflow)';
    } else {
      // @tensorflow/tfjs also registers WebGL, which Node cannot use.
      if (!tf.findBackend('cpu')) return fail('@tensorflow/tfjs loaded but has no cpu backend');
      tf.setBackend('cpu');
      // PROD: no debug checks, and no banner on stderr recommending tfjs-node (`backends` says what loaded).
      tf.env().set('PROD', true);
      installCpuSegmentSum(tf);
      device = 'CPU (pure JavaScript)';
    }
    const status: BackendStatus = { name, package: pkg, loaded: true, device, note: `${pkg} ${tf.version?.tfjs ?? ''} loaded`.trim() };
    const entry = { tf, status };
    loaded.set(name, entry);
    return entry;
  } catch (e) {
    return fail(`${pkg} loaded but failed to start: ${firstLine(e)}`);
  }
}

const isLoaded = (x: { tf: Tf; status: BackendStatus } | BackendStatus): x is { tf: Tf; status: BackendStatus } => 'tf' in x;

/** The fastest TensorFlow.js backend that loads: tfjs-node-gpu with a CUDA device, tfjs-node, then the pure JS one. */
export function bestTfjs(): { tf: Tf; status: BackendStatus } | { tf: null; tried: BackendStatus[] } {
  const tried: BackendStatus[] = [];
  for (const name of ['tfjs-node-gpu', 'tfjs-node', 'tfjs-cpu'] as const) {
    const r = loadBackend(name);
    if (isLoaded(r) && !(name === 'tfjs-node-gpu' && r.status.device?.startsWith('no CUDA'))) return r;
    tried.push(isLoaded(r) ? { ...r.status, note: `${r.status.note}, but ${r.status.device}` } : r);
  }
  return { tf: null, tried };
}

export interface ChosenBackend {
  name: BackendName;
  /** The tf namespace for a tfjs backend, null for ours. */
  tf: Tf | null;
  device: string;
  note: string;
}

/**
 * The backend a training run uses: 'cpu' ours; 'tfjs' the best TensorFlow.js
 * one that loads (an error naming each failure when none does); 'auto'
 * tfjs-node-gpu when it sees a CUDA device, else ours.
 */
export function chooseBackend(choice: BackendChoice): ChosenBackend {
  const ours: ChosenBackend = { name: 'cpu', tf: null, device: 'CPU (sparse kernels)', note: 'sparse CPU kernels' };
  if (choice === 'cpu') return { ...ours, note: 'sparse CPU kernels (chosen)' };
  if (choice === 'auto') {
    const gpu = loadBackend('tfjs-node-gpu');
    if (isLoaded(gpu) && gpu.status.device?.startsWith('GPU')) return { name: 'tfjs-node-gpu', tf: gpu.tf, device: gpu.status.device, note: gpu.status.note };
    const why = isLoaded(gpu) ? gpu.status.device : gpu.note;
    return { ...ours, note: `sparse CPU kernels (auto: no GPU backend: ${why})` };
  }
  if (choice !== 'tfjs') throw new Error(`backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${choice}'`);
  const best = bestTfjs();
  if (!best.tf) throw new Error(`no TensorFlow.js backend loads: ${best.tried.map((t) => `${t.name}: ${t.note}`).join('; ')}`);
  return { name: best.status.name, tf: best.tf, device: best.status.device ?? '', note: best.status.note };
}

/** Every backend with whether it loads, its device and why not (loads the TensorFlow.js packages to find out). */
export function listBackends(): BackendStatus[] {
  const out: BackendStatus[] = [{ name: 'cpu', package: null, loaded: true, device: 'CPU (sparse kernels, worker threads)', note: "our sparse kernels: the default ('auto' unless a CUDA GPU backend loads)" }];
  for (const name of ['tfjs-node-gpu', 'tfjs-node', 'tfjs-cpu'] as const) {
    const r = loadBackend(name);
    out.push(isLoaded(r) ? r.status : r);
  }
  return out;
}

/** What 'auto' trains with, for the status bar (app.ts): the GPU backend when it loads with CUDA, else ours. */
export function detectBackend(prefer: 'auto' | 'cpu' = 'auto'): LearningBackend {
  const c = chooseBackend(prefer);
  return { name: c.name, note: c.note };
}
