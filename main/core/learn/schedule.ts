// Rewiring-rate policies and the topology methods built from them.
//   fixed:    zeta constant (SET).
//   cosine:   zeta_t = zeta0 / 2 * (1 + cos(pi t / tEnd)), 0 after tEnd (RigL).
//   adaptive: zeta follows validation: times `up` (capped at zetaMax) after an
//             epoch that improved the monitored metric, times `down` after one
//             that did not; below `floor` rewiring freezes for good.

import { LearnError } from './errors';
import { REGROW_RULES, type RegrowRule } from './rewire';

export type RateKind = 'none' | 'fixed' | 'cosine' | 'adaptive';

export interface RateConfig {
  kind: RateKind;
  zeta0: number;
  /** cosine: the point (same unit as t) after which zeta is 0. */
  tEnd: number;
  up: number;
  down: number;
  zetaMax: number;
  floor: number;
}

export interface RateState {
  zeta: number;
  frozen: boolean;
}

export const defaultRate: RateConfig = { kind: 'fixed', zeta0: 0.3, tEnd: 1, up: 1.2, down: 0.5, zetaMax: 0.5, floor: 0.02 };

export class RatePolicy {
  readonly cfg: RateConfig;
  private zeta: number;
  private isFrozen: boolean;

  constructor(cfg: Partial<RateConfig> & { kind: RateKind }) {
    const c = { ...defaultRate, ...cfg };
    if (!['none', 'fixed', 'cosine', 'adaptive'].includes(c.kind)) throw new LearnError('bad-config', `rate kind must be none, fixed, cosine or adaptive, got '${c.kind}'`);
    if (!(c.zeta0 >= 0 && c.zeta0 <= 1)) throw new LearnError('bad-config', `zeta0 must be in [0, 1], got ${c.zeta0}`);
    if (c.kind === 'cosine' && !(c.tEnd > 0)) throw new LearnError('bad-config', `cosine rate needs tEnd > 0, got ${c.tEnd}`);
    if (c.kind === 'adaptive' && !(c.up >= 1 && c.down > 0 && c.down < 1 && c.zetaMax > 0 && c.zetaMax <= 1 && c.floor >= 0)) {
      throw new LearnError('bad-config', 'adaptive rate needs up >= 1, 0 < down < 1, 0 < zetaMax <= 1 and floor >= 0');
    }
    this.cfg = c;
    this.zeta = c.zeta0;
    this.isFrozen = c.kind === 'none' || c.zeta0 === 0;
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** The rate to rewire with at progress t (cosine uses t; the others ignore it). */
  zetaAt(t: number): number {
    if (this.isFrozen) return 0;
    const c = this.cfg;
    switch (c.kind) {
      case 'fixed':
      case 'adaptive':
        return this.zeta;
      case 'cosine':
        return t >= c.tEnd ? 0 : (c.zeta0 / 2) * (1 + Math.cos((Math.PI * t) / c.tEnd));
      default:
        return 0;
    }
  }

  /** Feeds one validation outcome (adaptive only). */
  observe(improved: boolean): void {
    const c = this.cfg;
    if (c.kind !== 'adaptive' || this.isFrozen) return;
    this.zeta = improved ? Math.min(this.zeta * c.up, c.zetaMax) : this.zeta * c.down;
    if (this.zeta < c.floor) {
      this.isFrozen = true;
      this.zeta = 0;
    }
  }

  state(): RateState {
    return { zeta: this.zeta, frozen: this.isFrozen };
  }

  load(s: RateState): void {
    this.zeta = s.zeta;
    this.isFrozen = s.frozen;
  }
}

export type TopologyMethod = 'dense' | 'static' | 'set' | 'rigl' | 'adaptive';
export const TOPOLOGY_METHODS: readonly TopologyMethod[] = ['dense', 'static', 'set', 'rigl', 'adaptive'];

export interface TopologyConfig {
  method: TopologyMethod;
  /** Overrides the method's regrowth rule. */
  regrow?: RegrowRule;
  /** Overrides parts of the method's rate policy (zeta0, floor, ...). */
  rate?: Partial<RateConfig>;
  /** Rewire every this many optimiser steps; 0 or absent: after each epoch. */
  everySteps?: number;
  /** cosine: fraction of the training after which rewiring stops (RigL: 0.75). */
  cosineEnd?: number;
}

export interface ResolvedTopology {
  method: TopologyMethod;
  /** Whether the model's hidden layers are sparse. */
  sparse: boolean;
  /** Whether the mask changes during training. */
  rewires: boolean;
  regrow: RegrowRule;
  rate: Partial<RateConfig> & { kind: RateKind };
  everySteps: number;
  cosineEnd: number;
}

const METHOD_DEFAULTS: Record<TopologyMethod, { sparse: boolean; regrow: RegrowRule; kind: RateKind }> = {
  dense: { sparse: false, regrow: 'random', kind: 'none' },
  static: { sparse: true, regrow: 'random', kind: 'none' },
  set: { sparse: true, regrow: 'random', kind: 'fixed' },
  rigl: { sparse: true, regrow: 'gradient', kind: 'cosine' },
  adaptive: { sparse: true, regrow: 'ch3l3', kind: 'adaptive' },
};

export function resolveTopology(cfg: TopologyConfig): ResolvedTopology {
  const d = METHOD_DEFAULTS[cfg.method];
  if (!d) throw new LearnError('bad-config', `method must be one of ${TOPOLOGY_METHODS.join(', ')}, got '${cfg.method}'`);
  if (cfg.regrow !== undefined && !REGROW_RULES.includes(cfg.regrow)) {
    throw new LearnError('bad-config', `regrow must be one of ${REGROW_RULES.join(', ')}, got '${cfg.regrow}'`);
  }
  const everySteps = cfg.everySteps ?? 0;
  if (!(Number.isInteger(everySteps) && everySteps >= 0)) throw new LearnError('bad-config', `everySteps must be a non-negative integer, got ${everySteps}`);
  const cosineEnd = cfg.cosineEnd ?? 0.75;
  if (!(cosineEnd > 0 && cosineEnd <= 1)) throw new LearnError('bad-config', `cosineEnd must be in (0, 1], got ${cosineEnd}`);
  const rate = { ...cfg.rate, kind: d.kind };
  return {
    method: cfg.method,
    sparse: d.sparse,
    rewires: d.kind !== 'none',
    regrow: cfg.regrow ?? d.regrow,
    rate,
    everySteps,
    cosineEnd,
  };
}
