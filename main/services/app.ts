// The use-cases behind the Api contract, shared by the Electron and
// loopback adapters.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Api, CaseInfo, GridGraph, PowerFlowSummary } from '../api';
import { ApiError } from '../api';
import type { Case } from '../core/grid/case';
import { loadCaseFile } from './cases';
import { runPowerFlow } from '../core/grid/powerflow';
import { detectBackend } from './backend';
import { BUS_I, BUS_TYPE, PD, QD, VMAX, VMIN, BASE_KV, GEN_BUS, PG, GEN_STATUS, F_BUS, T_BUS, RATE_A, BR_STATUS } from '../core/grid/idx';

export const VERSION = '0.1.0';

export interface AppOptions {
  /** Folder of bundled MATPOWER cases. */
  casesDir: string;
}

export function createHandlers(opts: AppOptions): Api {
  const cache = new Map<string, Case>();
  const caseFiles = (): string[] => readdirSync(opts.casesDir).filter((f) => f.startsWith('case') && f.endsWith('.m')).sort();
  const getCase = (name: string): Case => {
    const hit = cache.get(name);
    if (hit) return hit;
    const file = caseFiles().find((f) => f === `${name}.m`);
    if (!file) throw new ApiError(`no bundled case named '${name}'`, 'name');
    const c = loadCaseFile(join(opts.casesDir, file)).case;
    cache.set(name, c);
    return c;
  };
  return {
    async info() {
      const b = detectBackend();
      return { version: VERSION, learningBackend: b.name, learningBackendNote: b.note, node: process.version, platform: `${process.platform}-${process.arch}` };
    },
    async listCases(): Promise<CaseInfo[]> {
      return caseFiles().map((file) => {
        const c = getCase(file.slice(0, -2));
        return { name: c.name, file, buses: c.bus.length, branches: c.branch.length, gens: c.gen.length };
      });
    },
    async caseGraph({ name }): Promise<GridGraph> {
      const c = getCase(name);
      return {
        name: c.name, baseMVA: c.baseMVA,
        buses: c.bus.map((b, i) => ({ id: b[BUS_I], type: b[BUS_TYPE], pd: b[PD], qd: b[QD], vmax: b[VMAX], vmin: b[VMIN], baseKV: b[BASE_KV], name: c.bus_name?.[i] })),
        branches: c.branch.map((r, i) => ({ row: i + 1, from: r[F_BUS], to: r[T_BUS], rateA: r[RATE_A], inService: r[BR_STATUS] !== 0 })),
        gens: c.gen.map((g, i) => ({ row: i + 1, bus: g[GEN_BUS], pg: g[PG], inService: g[GEN_STATUS] > 0 })),
      };
    },
    async powerFlow({ name, dc }): Promise<PowerFlowSummary> {
      const c = getCase(name);
      const r = runPowerFlow(c, { dc });
      const loading = c.branch.map((row, i) => {
        const rate = row[RATE_A];
        if (!(rate > 0 && rate < 1e10) || row[BR_STATUS] === 0) return null;
        return Math.max(Math.hypot(r.pf[i], r.qf[i]), Math.hypot(r.pt[i], r.qt[i])) / rate;
      });
      return {
        mode: r.mode, converged: r.converged, status: r.status, iterations: r.iterations, mismatch: r.mismatch,
        milliseconds: r.seconds * 1000, vm: Array.from(r.vm), va: Array.from(r.va), loading, pf: Array.from(r.pf), qf: Array.from(r.qf),
      };
    },
  };
}
