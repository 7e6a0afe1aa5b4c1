// gridrewire pf <case.m> [--dc] [--enforce-q-lims] [--json]

import { basename } from 'node:path';
import { parseArgs, UsageError } from './args';
import { loadCaseFile } from '../services/cases';
import { locateNetworkError } from '../core/grid/matpower';
import { runPowerFlow, type PowerFlowResult } from '../core/grid/powerflow';
import { branchLoading, isRated } from '../core/grid/limits';
import type { Case } from '../core/grid/case';
import { BUS_I, BUS_TYPE, RATE_A, BR_STATUS, F_BUS, T_BUS, NONE } from '../core/grid/idx';

export function pfCommand(argv: string[], out: (s: string) => void): number {
  const { positional, flags } = parseArgs(argv, { dc: 'boolean', 'enforce-q-lims': 'boolean', json: 'boolean' });
  if (positional.length !== 1) throw new UsageError('usage: gridrewire pf <case.m> [--dc] [--enforce-q-lims] [--json]');
  const { case: c, text } = loadCaseFile(positional[0]);
  let r: PowerFlowResult;
  try {
    r = runPowerFlow(c, { dc: !!flags.dc, enforceQLimits: !!flags['enforce-q-lims'] });
  } catch (e) {
    throw locateNetworkError(e, text, basename(positional[0]));
  }
  out(flags.json ? JSON.stringify(jsonReport(c, r)) : textReport(c, r));
  return r.converged ? 0 : 3;
}

/** The solution per case row; a power flow that did not converge reports its status only (its last iterate is no solution). */
function jsonReport(c: Case, r: PowerFlowResult): Record<string, unknown> {
  const head = { case: c.name, mode: r.mode, converged: r.converged, status: r.status, iterations: r.iterations, mismatch: r.mismatch, seconds: r.seconds };
  if (!r.converged) return head;
  return {
    ...head,
    bus: c.bus.map((row, i) => ({ bus_i: row[BUS_I], vm: r.vm[i], va: r.va[i] })),
    branch: c.branch.map((_, i) => ({ row: i + 1, pf: r.pf[i], qf: r.qf[i], pt: r.pt[i], qt: r.qt[i] })),
    gen: c.gen.map((_, i) => ({ row: i + 1, pg: r.pg[i], qg: r.qg[i] })),
  };
}

function textReport(c: Case, r: PowerFlowResult): string {
  const lines = [`${c.name}: ${c.bus.length} buses, ${c.branch.length} branches, ${c.gen.length} generators (${r.mode.toUpperCase()} power flow)`];
  if (!r.converged) {
    lines.push(`DID NOT CONVERGE (${r.status}) after ${r.iterations} iterations, final mismatch ${Number.isFinite(r.mismatch) ? r.mismatch.toExponential(2) : 'non-finite'} p.u.`);
    lines.push('no flows, losses or voltages: the last iterate is not a solution (try --enforce-q-lims, or check loads and generation)');
    return lines.join('\n');
  }
  lines.push(`converged in ${r.iterations} iteration${r.iterations === 1 ? '' : 's'}, final mismatch ${r.mismatch.toExponential(2)} p.u., ${(r.seconds * 1000).toFixed(1)} ms`);
  let pLoss = 0, qLoss = 0, maxLoad = 0, maxRow = -1;
  for (let i = 0; i < c.branch.length; i++) {
    if (c.branch[i][BR_STATUS] === 0) continue;
    pLoss += r.pf[i] + r.pt[i]; qLoss += r.qf[i] + r.qt[i];
    const rate = c.branch[i][RATE_A];
    if (!isRated(rate)) continue;
    const L = branchLoading(r.pf[i], r.qf[i], r.pt[i], r.qt[i], 1, rate);
    if (L > maxLoad) { maxLoad = L; maxRow = i; }
  }
  let vmin = Infinity, vmax = -Infinity, bmin = 0, bmax = 0;
  for (let i = 0; i < c.bus.length; i++) {
    if (c.bus[i][BUS_TYPE] === NONE) continue;
    if (r.vm[i] < vmin) { vmin = r.vm[i]; bmin = c.bus[i][BUS_I]; }
    if (r.vm[i] > vmax) { vmax = r.vm[i]; bmax = c.bus[i][BUS_I]; }
  }
  let pg = 0, qg = 0;
  for (let i = 0; i < c.gen.length; i++) { pg += r.pg[i]; qg += r.qg[i]; }
  lines.push(`generation ${pg.toFixed(2)} MW ${r.mode === 'ac' ? `/ ${qg.toFixed(2)} MVAr` : ''}`);
  lines.push(r.mode === 'ac' ? `losses ${pLoss.toFixed(3)} MW / ${qLoss.toFixed(3)} MVAr` : 'losses 0 (DC model)');
  if (r.mode === 'ac') lines.push(`voltage min ${vmin.toFixed(4)} p.u. at bus ${bmin}, max ${vmax.toFixed(4)} p.u. at bus ${bmax}`);
  lines.push(maxRow >= 0 ? `max loading ${(maxLoad * 100).toFixed(1)}% on branch ${maxRow + 1} (${c.branch[maxRow][F_BUS]}-${c.branch[maxRow][T_BUS]})` : 'max loading: no branch is rated');
  if (r.qLimited.length) lines.push(`generators at a reactive limit: rows ${r.qLimited.map((k) => k + 1).join(', ')}`);
  return lines.join('\n');
}
