// Paths to ../shared (cases and reference results) for tests.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseMatpower } from '../../main/core/grid/matpower';
import type { Case } from '../../main/core/grid/case';

export const SHARED = join(__dirname, '..', '..', '..', 'shared');
export const CASES = join(SHARED, 'cases');
export const REFERENCE = join(SHARED, 'reference');

const cache = new Map<string, Case>();
export function loadCase(name: string): Case {
  let c = cache.get(name);
  if (!c) {
    c = parseMatpower(readFileSync(join(CASES, `${name}.m`), 'utf8'), `${name}.m`);
    cache.set(name, c);
  }
  return c;
}

export function caseText(name: string): string {
  return readFileSync(join(CASES, `${name}.m`), 'utf8');
}

export interface ReferenceRecord {
  branch: number; from: number; to: number; verdict: string; converged: boolean; iterations: number;
  islanded: boolean; cutBuses: number; lostLoadMW: number; lostGenMW: number; maxLoading: number;
  nOverloads: number; worstBranch?: number; minVm: number; maxVm: number; nVoltageViolations: number;
}

export interface Reference {
  case: string; nbus: number; nbranch: number; ngen: number;
  base: { success: boolean; iterations: number; bus_i: number[]; vm: number[]; va: number[]; pf: number[]; qf: number[]; pt: number[]; qt: number[]; pg: number[]; qg: number[]; maxLoading: number; nOverloads: number; nVoltageViolations: number };
  dc: { va: number[]; pf: number[] };
  contingencies: ReferenceRecord[];
}

export function referenceNames(): string[] {
  return readdirSync(REFERENCE).filter((f) => f.endsWith('.n1.json')).map((f) => f.replace('.n1.json', '')).sort();
}

export function loadReference(name: string): Reference {
  return JSON.parse(readFileSync(join(REFERENCE, `${name}.n1.json`), 'utf8'));
}

export function caseNames(): string[] {
  return readdirSync(CASES).filter((f) => f.startsWith('case') && f.endsWith('.m')).map((f) => f.slice(0, -2)).sort();
}

/** Largest absolute difference between two equally long sequences. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
