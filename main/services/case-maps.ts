// A case as the map draws it (buses, branches, generators) with the map
// positions saved for it, and saving those positions.

import type { GridGraph } from '../api';
import { ApiError } from '../api';
import { BASE_KV, BR_STATUS, BUS_I, BUS_TYPE, F_BUS, GEN_BUS, GEN_STATUS, PD, PG, QD, RATE_A, T_BUS, VMAX, VMIN } from '../core/grid/idx';
import type { Case } from '../core/grid/case';
import type { NodePosition } from '../store';
import type { CaseCatalogue } from './case-catalogue';

export class CaseMaps {
  constructor(private readonly catalogue: CaseCatalogue) {}

  graph(key: string): GridGraph {
    const c = this.catalogue.get(key);
    const id = this.catalogue.storedId(key);
    const saved = id !== null ? this.catalogue.store!.layouts.get(id) : [];
    return { ...gridGraph(c), layout: saved.length ? saved.map((p) => ({ bus: p.bus, x: p.x, y: p.y })) : null };
  }

  /** Keeps the positions in the store (importing a bundled case on first use); 0 saved without a store. */
  saveLayout(key: string, positions: NodePosition[]): { saved: number } {
    const c = this.catalogue.get(key);
    const known = new Set(c.bus.map((b) => b[BUS_I]));
    const bad = positions.find((p) => !known.has(p.bus));
    if (bad) throw new ApiError(`bus ${bad.bus} is not in ${c.name}`, 'positions');
    const id = this.catalogue.importToStore(key);
    if (id === null) return { saved: 0 };
    this.catalogue.store!.layouts.upsert(id, positions);
    return { saved: positions.length };
  }
}

function gridGraph(c: Case): Omit<GridGraph, 'layout'> {
  return {
    name: c.name, baseMVA: c.baseMVA,
    buses: c.bus.map((b, i) => ({ id: b[BUS_I], type: b[BUS_TYPE], pd: b[PD], qd: b[QD], vmax: b[VMAX], vmin: b[VMIN], baseKV: b[BASE_KV], name: c.bus_name?.[i] })),
    branches: c.branch.map((r, i) => ({ row: i + 1, from: r[F_BUS], to: r[T_BUS], rateA: r[RATE_A], inService: r[BR_STATUS] !== 0 })),
    gens: c.gen.map((g, i) => ({ row: i + 1, bus: g[GEN_BUS], pg: g[PG], inService: g[GEN_STATUS] > 0 })),
  };
}
