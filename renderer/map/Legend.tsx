// The map's legends: swatches, a continuous (or diverging) scale with ticks,
// or bus sizes, one block each.

import type { MapLegend } from './colouring';

export function Legends({ legends }: { legends: MapLegend[] }) {
  if (legends.length === 0) return null;
  return (
    <div className="legend" data-testid="map-legend">
      {legends.map((l) => <LegendBlock key={l.title} legend={l} />)}
    </div>
  );
}

function LegendBlock({ legend }: { legend: MapLegend }) {
  switch (legend.kind) {
    case 'swatches':
      return (
        <div className="legend-block">
          <span className="legend-title">{legend.title}</span>
          {legend.items.map((i) => (
            <span key={i.label} className="legend-item"><span className={`swatch${i.ring ? ' ring' : ''}`} style={{ background: i.color }} />{i.label}</span>
          ))}
        </div>
      );
    case 'scale': {
      const lo = legend.stops[0].at, hi = legend.stops[legend.stops.length - 1].at;
      const pct = (v: number) => `${(((v - lo) / (hi - lo)) * 100).toFixed(1)}%`;
      const gradient = `linear-gradient(to right, ${legend.stops.map((s) => `${s.color} ${pct(s.at)}`).join(', ')})`;
      return (
        <div className="legend-block">
          <span className="legend-title">{legend.title}</span>
          <span className="legend-scale">
            <span className="bar" style={{ background: gradient }} />
            <span className="ticks">{legend.ticks.map((t) => <span key={t.label} style={{ left: pct(t.at) }}>{t.label}</span>)}</span>
          </span>
          {legend.note && <span className="legend-note">{legend.note}</span>}
        </div>
      );
    }
    case 'sizes':
      return (
        <div className="legend-block">
          <span className="legend-title">{legend.title}</span>
          {legend.items.map((i) => (
            <span key={i.label} className="legend-item"><span className="dot" style={{ width: i.size, height: i.size }} />{i.label}</span>
          ))}
        </div>
      );
  }
}
