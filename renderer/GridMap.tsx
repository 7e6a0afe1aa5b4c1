// The grid as a Cytoscape graph: buses as nodes, branches as edges, coloured
// by loading (the base power flow, or the post-outage state when an outage
// is shown). Layout is computed once per case.

import { useEffect, useRef } from 'react';
import cytoscape, { type Core } from 'cytoscape';
import type { GridGraph } from '../main/api';

export function loadingColor(l: number | null | undefined): string {
  if (l === null || l === undefined) return '#98a2b3';
  if (l > 1) return '#d92d20';
  if (l > 0.9) return '#f79009';
  if (l > 0.6) return '#eaaa08';
  return '#12b76a';
}

export interface MapState {
  /** Per case branch row (index row-1): loading to colour by, null = unrated. */
  loading: (number | null)[] | null;
  /** Branch row shown as outaged (dashed). */
  outaged: number | null;
  /** Branch row selected. */
  selected: number | null;
}

export function GridMap({ graph, state, onBranch, onLayout }: {
  graph: GridGraph; state: MapState; onBranch?: (row: number) => void;
  /** Called once with the positions of a freshly computed layout, to keep it. */
  onLayout?: (positions: { bus: number; x: number; y: number }[]) => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const onBranchRef = useRef(onBranch);
  onBranchRef.current = onBranch;
  const onLayoutRef = useRef(onLayout);
  onLayoutRef.current = onLayout;

  useEffect(() => {
    if (!el.current) return;
    const genBuses = new Set(graph.gens.filter((g) => g.inService).map((g) => g.bus));
    const big = graph.buses.length > 600;
    const saved = graph.layout && graph.layout.length === graph.buses.length ? new Map(graph.layout.map((p) => [p.bus, p])) : null;
    const inst = cytoscape({
      container: el.current,
      elements: [
        ...graph.buses.map((b) => ({
          data: { id: `b${b.id}`, bus: b.id, label: String(b.id), kind: b.type === 3 ? 'ref' : genBuses.has(b.id) ? 'gen' : 'load' },
          position: saved ? { x: saved.get(b.id)!.x, y: saved.get(b.id)!.y } : undefined,
        })),
        ...graph.branches.filter((br) => br.inService).map((br) => ({ data: { id: `l${br.row}`, source: `b${br.from}`, target: `b${br.to}`, row: br.row } })),
      ],
      style: [
        { selector: 'node', style: { width: 10, height: 10, 'background-color': '#475467', label: big ? '' : 'data(label)', 'font-size': 7, color: '#344054' } },
        { selector: 'node[kind = "gen"]', style: { 'background-color': '#1f6feb', shape: 'round-rectangle' } },
        { selector: 'node[kind = "ref"]', style: { 'background-color': '#7a5af8', shape: 'star', width: 14, height: 14 } },
        { selector: 'edge', style: { width: 2.5, 'line-color': '#98a2b3', 'curve-style': 'haystack' } },
        { selector: 'edge.outaged', style: { 'line-style': 'dashed', 'line-color': '#101828', width: 3, 'curve-style': 'straight' } },
        { selector: 'edge.selected-branch', style: { width: 6 } },
      ],
      layout: (saved ? { name: 'preset', fit: true } : { name: big ? 'grid' : 'cose', animate: false, randomize: false }) as cytoscape.LayoutOptions,
      wheelSensitivity: 0.3,
    });
    inst.on('tap', 'edge', (e) => onBranchRef.current?.(Number(e.target.data('row'))));
    if (!saved && !big) onLayoutRef.current?.(inst.nodes().map((n) => ({ bus: Number(n.data('bus')), x: n.position('x'), y: n.position('y') })));
    // A bus dragged to a better place is kept too.
    inst.on('dragfree', 'node', () => onLayoutRef.current?.(inst.nodes().map((n) => ({ bus: Number(n.data('bus')), x: n.position('x'), y: n.position('y') }))));
    cy.current = inst;
    return () => inst.destroy();
  }, [graph]);

  useEffect(() => {
    const inst = cy.current;
    if (!inst) return;
    inst.batch(() => {
      inst.edges().forEach((e) => {
        const row = Number(e.data('row'));
        e.style('line-color', state.loading ? loadingColor(state.loading[row - 1]) : '#98a2b3');
        e.toggleClass('outaged', state.outaged === row);
        e.toggleClass('selected-branch', state.selected === row);
      });
    });
  }, [state, graph]);

  return <div id="map" ref={el} data-testid="grid-map" />;
}
