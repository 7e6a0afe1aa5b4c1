// The sparse network behind one surrogate verdict, drawn as layers of
// neurons along its main chain (node features -> encoder -> message-passing
// layers -> edge head -> graph head -> logit) with only the connections that
// matter most: width by |attribution|, colour by sign (towards insecure red,
// towards secure blue); hover names the layer, the neurons and the weight.

import { useMemo, useState } from 'react';
import type { ExplainedConnection, ExplainedLayer, NetworkExplanation } from '../main/api';

export interface NetworkViewProps {
  network: NetworkExplanation;
  /** Sparse connections in the model (the explanation may list only the strongest). */
  total?: number;
  /** Connections drawn (largest |attribution| first). */
  top?: number;
  target?: 'verdict' | 'loading';
}

interface Column { key: string; label: string; units: number; attribution: (number | null)[] }

/** Where an input index of a layer comes from: a column and a unit in it (null: not on the main chain, e.g. the edge encoder's outputs). */
type Source = (layer: ExplainedLayer, input: number) => { column: string; unit: number } | null;

const W = 720, H = 520, PAD = 28;
const POS = '#d92d20', NEG = '#1f6feb';

export function NetworkView({ network, total, top = 40, target = 'verdict' }: NetworkViewProps) {
  const [hover, setHover] = useState<string | null>(null);
  const { columns, source } = useMemo(() => chain(network), [network]);
  const value = (c: ExplainedConnection) => (target === 'loading' ? c.attributionLoading ?? 0 : c.attribution);
  const drawn = useMemo(() => {
    const all = [...network.connections, ...network.readouts].filter((c) => value(c) !== 0);
    return all.sort((a, b) => Math.abs(value(b)) - Math.abs(value(a))).slice(0, top);
  }, [network, top, target]);
  const maxAbs = Math.max(1e-12, ...drawn.map((c) => Math.abs(value(c))));
  const colX = (i: number) => PAD + (i * (W - 2 * PAD)) / Math.max(1, columns.length - 1);
  const unitY = (col: Column, u: number) => PAD + 14 + ((u + 0.5) * (H - 2 * PAD - 14)) / col.units;
  const at = (key: string, unit: number) => {
    const i = columns.findIndex((c) => c.key === key);
    return i < 0 ? null : { x: colX(i), y: unitY(columns[i], Math.min(unit, columns[i].units - 1)) };
  };
  const layers = new Map(network.layers.map((l) => [l.name, l]));
  const lines = drawn.flatMap((c) => {
    const layer = layers.get(c.layer);
    if (!layer) return [];
    const from = source(layer, c.from), to = at(c.layer === 'head.graph.out' ? 'out' : c.layer, c.to);
    const a = from && at(from.column, from.unit);
    if (!a || !to) return [];
    const v = value(c);
    const label = `${c.layer}: input ${c.from} (${layer.reads}) -> unit ${c.to}; weight ${c.weight.toPrecision(3)}; attribution ${v.toPrecision(3)}`;
    return [{ c, a, b: to, v, label, id: `${c.layer}:${c.from}:${c.to}` }];
  });
  const unitAttr = Math.max(1e-12, ...columns.flatMap((col) => col.attribution.map((x) => Math.abs(x ?? 0))));
  return (
    <div className="network-view" data-testid="network-view">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="the sparse network's connections that drive the verdict">
        {columns.map((col, i) => (
          <g key={col.key}>
            <text x={colX(i)} y={PAD} textAnchor="middle" className="col-label">{col.label}</text>
            {Array.from({ length: col.units }, (_, u) => {
              const a = col.attribution[u] ?? 0;
              const r = 1.5 + 3 * Math.sqrt(Math.abs(a) / unitAttr);
              return <circle key={u} cx={colX(i)} cy={unitY(col, u)} r={r} fill={a > 0 ? POS : a < 0 ? NEG : '#d0d5dd'} fillOpacity={a === 0 ? 0.6 : 0.8} />;
            })}
          </g>
        ))}
        {lines.map((l) => (
          <line key={l.id} x1={l.a.x} y1={l.a.y} x2={l.b.x} y2={l.b.y} stroke={l.v > 0 ? POS : NEG}
            strokeWidth={0.6 + 4.4 * Math.abs(l.v) / maxAbs} strokeOpacity={hover === null || hover === l.id ? 0.75 : 0.15}
            onMouseEnter={() => setHover(l.id)} onMouseLeave={() => setHover(null)} data-testid="network-connection">
            <title>{l.label}</title>
          </line>
        ))}
      </svg>
      <p className="muted network-caption">
        {lines.length} strongest of {total ?? network.connections.length} sparse connections (and the readouts), for the {target === 'loading' ? 'predicted maximum loading' : 'verdict'}:
        <span style={{ color: POS }}> ■ towards insecure</span><span style={{ color: NEG }}> ■ towards secure</span>; width by |attribution|, neuron size by its attribution. {network.method}
      </p>
      {hover && <p className="hover-detail" data-testid="network-hover">{lines.find((l) => l.id === hover)?.label}</p>}
    </div>
  );
}

/**
 * The columns of the main chain and where each layer's inputs come from.
 * Message-passing layers read their predecessor's units (lin1 reads the
 * aggregated h, unit for unit); the edge head reads [h_src | h_dst | e]; the
 * graph head reads [mean h | max h | mean a_e | max a_e | pooled predictions].
 */
function chain(n: NetworkExplanation): { columns: Column[]; source: Source } {
  const byName = new Map(n.layers.map((l) => [l.name, l]));
  const units = (l: ExplainedLayer) => l.units.map((u) => u.attribution);
  const columns: Column[] = [];
  const inputs = n.inputs.node;
  columns.push({ key: 'in', label: 'bus inputs', units: inputs.length, attribution: inputs.map((f) => f.attribution) });
  const order = n.layers.filter((l) => !l.readout && l.name !== 'enc.edge' && l.name !== 'head.node.hidden');
  for (const l of order) columns.push({ key: l.name, label: short(l.name), units: l.nOut, attribution: units(l) });
  const out = n.layers.find((l) => l.name === 'head.graph.out');
  if (out) columns.push({ key: 'out', label: 'logit', units: 1, attribution: [out.units[0]?.attribution ?? 0] });
  const mp = order.filter((l) => l.name.startsWith('mp'));
  const lastH = mp.length ? mp[mp.length - 1].name : 'enc.node';
  const hidden = byName.get('enc.node')?.nOut ?? 1;
  const edgeHidden = byName.get('head.edge.hidden')?.nOut ?? 1;
  const prev = (name: string) => {
    const i = order.findIndex((l) => l.name === name);
    return i > 0 ? order[i - 1].name : 'in';
  };
  const source: Source = (layer, input) => {
    switch (layer.name) {
      case 'enc.node': return { column: 'in', unit: input };
      case 'head.edge.hidden': return input < 2 * hidden ? { column: lastH, unit: input % hidden } : null;
      case 'head.graph.hidden':
        if (input < 2 * hidden) return { column: lastH, unit: input % hidden };
        if (input < 2 * hidden + 2 * edgeHidden) return { column: 'head.edge.hidden', unit: (input - 2 * hidden) % edgeHidden };
        return null; // the pooled predictions
      case 'head.graph.out': return { column: 'head.graph.hidden', unit: input };
      default: return layer.name.startsWith('mp') ? { column: prev(layer.name), unit: input } : null;
    }
  };
  return { columns, source };
}

const short = (name: string) => name.replace('head.', '').replace('.hidden', '').replace('enc.node', 'encoder').replace('.lin', '·');
