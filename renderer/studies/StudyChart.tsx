// A chart of study curves drawn by uPlot: lines over a shared x axis, each
// with an optional band (mean +- spread over draws) filled behind it, and a
// second model's lines dashed beside the first's.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface StudySeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** Band around the line (e.g. mean - sd, mean + sd), same length as values. */
  band?: { lo: (number | null)[]; hi: (number | null)[] };
  dash?: boolean;
}

export interface StudyChartProps {
  title: string;
  x: number[];
  xLabel: string;
  series: StudySeries[];
  range?: [number, number];
  height?: number;
  testId?: string;
}

/** A colour with alpha for band fills (#rrggbb -> rgba). */
function fade(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

export function StudyChart({ title, x, xLabel, series, range, height = 170, testId }: StudyChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([x, series, range, height]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const cols: (number | null)[][] = [];
    const specs: uPlot.Series[] = [];
    const bands: uPlot.Band[] = [];
    for (const s of series) {
      const at = cols.length + 1;
      cols.push(s.values);
      specs.push({ label: s.label, stroke: s.color, width: 2, dash: s.dash ? [5, 4] : undefined, points: { size: 4 } });
      if (s.band) {
        cols.push(s.band.hi, s.band.lo);
        specs.push({ label: `${s.label} +sd`, stroke: 'transparent', width: 0, points: { show: false } }, { label: `${s.label} -sd`, stroke: 'transparent', width: 0, points: { show: false } });
        bands.push({ series: [at + 1, at + 2], fill: fade(s.color, s.dash ? 0.08 : 0.15) });
      }
    }
    const opts: uPlot.Options = {
      width: Math.max(220, el.clientWidth), height,
      scales: { x: { time: false }, y: range ? { range: () => range } : {} },
      axes: [
        { label: xLabel, size: 34, labelSize: 14, font: '11px system-ui', labelFont: '11px system-ui' },
        { size: 46, font: '11px system-ui', values: (_u, vals) => vals.map((v) => String(+v.toPrecision(3))) },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      bands,
      series: [{ label: xLabel }, ...specs],
    };
    const clean = cols.map((c) => c.map((v) => (v === null || !Number.isFinite(v) ? null : v)));
    const u = new uPlot(opts, [x, ...clean] as uPlot.AlignedData, el);
    const fit = new ResizeObserver(() => u.setSize({ width: Math.max(220, el.clientWidth), height }));
    fit.observe(el);
    return () => { fit.disconnect(); u.destroy(); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return (
    <figure className="study-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div className="train-chart" ref={box} />
    </figure>
  );
}
