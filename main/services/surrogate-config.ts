// The one reader of a stored surrogate's config: a zod schema of what
// `gridrewire train` saves, checked before anything uses it. loadSurrogate,
// the model listing and the surrogate service all read models through here,
// so a damaged or foreign row is refused with one sentence, never a TypeError.

import { z } from 'zod';
import { EDGE_FEAT_DIM, NODE_FEAT_DIM } from '../core/learn/grid-data';
import { REGROW_RULES } from '../core/learn/rewire';
import { TOPOLOGY_METHODS } from '../core/learn/schedule';
import type { ModelRecord } from '../store/models';
import { firstIssue } from '../schema-errors';
import type { SurrogateModelConfig } from './train';

export const SURROGATE_FORMAT = 'gridrewire-n1-surrogate';

/** Any number the store keeps (NaN and Infinity survive its JSON). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { error: 'must be a number' });
const count = z.int({ error: 'must be a whole number' }).min(0, { error: 'must be a whole number' });
const numbers = z.array(anyNumber, { error: 'must be a list of numbers' });
const counts = z.array(count, { error: 'must be a list of whole numbers' });
const fraction = z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' });

const gridSignature = z.object({
  caseName: z.string({ error: 'must be a string' }), nb: count, nl: count, bus: counts, branchRow: counts, from: counts, to: counts,
}, { error: 'must be an object' }).check((ctx) => {
  const g = ctx.value;
  if (g.bus.length !== g.nb) ctx.issues.push({ code: 'custom', input: g.bus, path: ['bus'], message: `must list nb = ${g.nb} buses` });
  for (const k of ['branchRow', 'from', 'to'] as const) {
    if (g[k].length !== g.nl) ctx.issues.push({ code: 'custom', input: g[k], path: [k], message: `must list nl = ${g.nl} branches` });
  }
});

const surrogateConfig = z.looseObject({
  format: z.literal(SURROGATE_FORMAT),
  version: z.literal(1, { error: 'must be 1' }),
  model: z.looseObject({
    format: z.literal('gridrewire-gnn', { error: "must be 'gridrewire-gnn'" }),
    // 2: the compact form of a compressed model (quantized weights, small index types).
    version: z.literal([1, 2], { error: 'must be 1 or 2' }),
    model: z.looseObject({ nodeFeatDim: count, edgeFeatDim: count }, { error: 'must be an object' }),
    layers: z.array(z.looseObject({ name: z.string({ error: 'must be a string' }) }, { error: 'must be an object' }), { error: 'must be a list of layers' }),
  }, { error: 'must be an object' }),
  normaliser: z.object({ nodeMean: numbers, nodeStd: numbers, edgeMean: numbers, edgeStd: numbers, pScale: anyNumber }, { error: 'must be an object' }),
  threshold: fraction,
  grid: gridSignature,
  // estimate, watchLoading and the voltage options: absent in models of datasets made before them (the DC estimate, no bus list, then).
  features: z.object({
    offsetThreshold: anyNumber, maxListed: count, nearLoading: anyNumber, nearThreshold: anyNumber, maxFeatured: count,
    estimate: z.enum(['dc', 'ac-step'], { error: "must be 'dc' or 'ac-step'" }).optional(), watchLoading: anyNumber.optional(),
    voltageMove: anyNumber.optional(), voltageNear: anyNumber.optional(), maxVoltage: count.optional(), acSteps: count.optional(), acScan: z.boolean().optional(),
  }, { error: 'must be an object' }),
  datasetId: count,
  method: z.enum(TOPOLOGY_METHODS as [string, ...string[]], { error: `must be one of ${TOPOLOGY_METHODS.join(', ')}` }),
  regrow: z.enum(REGROW_RULES as [string, ...string[]], { error: `must be one of ${REGROW_RULES.join(', ')}` }),
  sparsity: fraction,
});

export type SurrogateRead =
  | { status: 'usable'; config: SurrogateModelConfig }
  | { status: 'outdated'; problem: string; config: SurrogateModelConfig }
  | { status: 'unreadable'; problem: string };

/**
 * A model row read as a surrogate. `problem` completes "model <id> ...":
 * unreadable (damaged JSON, not a surrogate, missing or invalid field) or
 * outdated (trained for another feature layout).
 */
export function readSurrogate(m: ModelRecord): SurrogateRead {
  if (m.unreadable?.config) return { status: 'unreadable', problem: `cannot be read: ${m.unreadable.config}` };
  if ((m.config as { format?: unknown }).format !== SURROGATE_FORMAT) {
    return { status: 'unreadable', problem: "is not an N-1 surrogate (trained by 'gridrewire train')" };
  }
  const r = surrogateConfig.safeParse(m.config);
  if (!r.success) return { status: 'unreadable', problem: `has an invalid config: ${firstIssue(r.error, ['config']).message}` };
  const config = r.data as unknown as SurrogateModelConfig;
  const dims = r.data.model.model;
  if (dims.nodeFeatDim !== NODE_FEAT_DIM || dims.edgeFeatDim !== EDGE_FEAT_DIM) {
    return {
      status: 'outdated', config,
      problem: `was trained with another feature layout (${dims.nodeFeatDim}/${dims.edgeFeatDim} bus/branch features, this version uses ${NODE_FEAT_DIM}/${EDGE_FEAT_DIM}): train it again`,
    };
  }
  return { status: 'usable', config };
}
