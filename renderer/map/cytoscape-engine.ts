// The Cytoscape engine: buses as nodes (generators as squares, the reference
// bus as a star), in-service branches as edges, colours and sizes through
// data fields the stylesheet maps. Labels show from zoom 1 on.

import cytoscape, { type Core, type ElementDefinition, type EventObject } from 'cytoscape';
import type { GridGraph } from '../../main/api';
import { DEFAULT_BRANCH, DEFAULT_BUS, DEFAULT_BUS_SIZE, type MapColouring } from './colouring';
import type { MapEngine, MapEvents, Position } from './engine';
import { cytoscapeOptions, type RenderMode } from './render-mode';

const ACCENT = '#1f6feb';

/** Node and edge sizes grow on larger grids, so that they still show when the whole grid is in view. */
function sizeScale(buses: number): number {
  return Math.max(1, Math.sqrt(buses / 800));
}

export class CytoscapeEngine implements MapEngine {
  private readonly cy: Core;
  private readonly k: number;
  private readonly timers: number[] = [];
  private readonly detach: () => void;

  constructor(container: HTMLElement, graph: GridGraph, positions: Position[], private readonly events: () => MapEvents, readonly mode: RenderMode) {
    this.k = sizeScale(graph.buses.length);
    const k = this.k;
    const pos = new Map(positions.map((p) => [p.bus, p]));
    const genBuses = new Set(graph.gens.filter((g) => g.inService).map((g) => g.bus));
    const elements: ElementDefinition[] = [];
    graph.buses.forEach((b, row) => {
      const p = pos.get(b.id);
      elements.push({
        data: { id: `b${b.id}`, bus: b.id, row, label: String(b.id), kind: b.type === 3 ? 'ref' : genBuses.has(b.id) ? 'gen' : 'load', color: DEFAULT_BUS, size: DEFAULT_BUS_SIZE * k, ring: DEFAULT_BUS },
        position: p ? { x: p.x, y: p.y } : { x: 0, y: 0 },
      });
    });
    for (const br of graph.branches) {
      if (br.inService) elements.push({ data: { id: `l${br.row}`, source: `b${br.from}`, target: `b${br.to}`, row: br.row, color: DEFAULT_BRANCH, width: 2.5 * k } });
    }
    const cy = cytoscape({
      container, elements, style: stylesheet(k),
      layout: { name: 'preset', fit: true, padding: 16 },
      minZoom: 0.005, maxZoom: 8, boxSelectionEnabled: true,
      ...cytoscapeOptions(mode),
    } as cytoscape.CytoscapeOptions);
    this.cy = cy;
    const row = (e: EventObject) => Number(e.target.data('row'));
    const where = (e: EventObject) => ({ x: e.renderedPosition?.x ?? 0, y: e.renderedPosition?.y ?? 0 });
    cy.on('tap', 'edge', (e) => this.events().onBranch?.(row(e)));
    cy.on('mouseover', 'node', (e) => this.events().onHover?.({ kind: 'bus', row: row(e), ...where(e) }));
    cy.on('mouseover', 'edge', (e) => this.events().onHover?.({ kind: 'branch', row: row(e), ...where(e) }));
    cy.on('mouseout', 'node, edge', () => this.events().onHover?.(null));
    cy.on('viewport', () => this.events().onHover?.(null));
    // Selection changes come in bursts (a box selects many): tell once per burst.
    let selectTimer = 0;
    cy.on('select unselect', 'node', () => {
      window.clearTimeout(selectTimer);
      selectTimer = window.setTimeout(() => this.events().onSelect?.(this.selected()), 30);
      this.timers.push(selectTimer);
    });
    // A bus dragged to a better place is kept (only the buses moved).
    const moved = new Map<number, Position>();
    let moveTimer = 0;
    cy.on('dragfree', 'node', (e) => {
      const n = e.target;
      moved.set(Number(n.data('bus')), { bus: Number(n.data('bus')), x: n.position('x'), y: n.position('y') });
      window.clearTimeout(moveTimer);
      moveTimer = window.setTimeout(() => { this.events().onMoved?.([...moved.values()]); moved.clear(); }, 200);
      this.timers.push(moveTimer);
    });
    // Two frames on: Cytoscape draws in an animation frame, so the first one is on screen by then.
    requestAnimationFrame(() => requestAnimationFrame(() => this.events().onDrawn?.()));
    this.detach = () => { window.clearTimeout(selectTimer); window.clearTimeout(moveTimer); };
  }

  setPositions(positions: Position[], refit: boolean): void {
    const pos = new Map(positions.map((p) => [p.bus, p]));
    this.cy.batch(() => {
      this.cy.nodes().forEach((n) => {
        const p = pos.get(Number(n.data('bus')));
        if (p && (p.x !== n.position('x') || p.y !== n.position('y'))) n.position({ x: p.x, y: p.y });
      });
    });
    if (refit) this.cy.fit(undefined, 16);
  }

  private given: MapColouring = {};

  colouring(): MapColouring {
    return this.given;
  }

  setColouring(c: MapColouring, outaged: number | null, selectedBranch: number | null): void {
    this.given = c;
    const k = this.k;
    this.cy.batch(() => {
      this.cy.nodes().forEach((n) => {
        const r = Number(n.data('row'));
        const color = c.busColor?.[r] ?? DEFAULT_BUS;
        const size = (c.busSize?.[r] ?? DEFAULT_BUS_SIZE) * k;
        const ring = c.busRing?.[r] ?? null;
        if (n.data('color') !== color) n.data('color', color);
        if (n.data('size') !== size) n.data('size', size);
        if (n.data('ring') !== (ring ?? color)) n.data('ring', ring ?? color);
        if (n.hasClass('ringed') !== (ring !== null)) n.toggleClass('ringed', ring !== null);
      });
      this.cy.edges().forEach((e) => {
        const r = Number(e.data('row'));
        const color = c.branchColor?.[r - 1] ?? DEFAULT_BRANCH;
        const width = (c.branchWidth?.[r - 1] ?? 2.5) * k;
        if (e.data('color') !== color) e.data('color', color);
        if (e.data('width') !== width) e.data('width', width);
        if (e.hasClass('outaged') !== (outaged === r)) e.toggleClass('outaged', outaged === r);
        if (e.hasClass('selected-branch') !== (selectedBranch === r)) e.toggleClass('selected-branch', selectedBranch === r);
      });
    });
  }

  selectBuses(buses: number[]): void {
    const cy = this.cy;
    cy.elements(':selected').unselect();
    const want = new Set(buses);
    const nodes = cy.nodes().filter((n) => want.has(Number(n.data('bus'))));
    nodes.select();
    // The bus with its neighbours out to two branches: where it sits, not a bus filling the screen.
    if (nodes.nonempty()) cy.fit(nodes.closedNeighborhood().closedNeighborhood(), 40);
  }

  fitSelection(): void {
    const sel = this.cy.nodes(':selected');
    this.cy.fit(sel.nonempty() ? (sel.length === 1 ? sel.closedNeighborhood() : sel) : undefined, 40);
  }

  fitAll(): void {
    this.cy.resize(); // Cytoscape reads its container's size only when told
    this.cy.fit(undefined, 16);
  }

  positions(): Position[] {
    return this.cy.nodes().map((n) => ({ bus: Number(n.data('bus')), x: n.position('x'), y: n.position('y') }));
  }

  selected(): number[] {
    return this.cy.nodes(':selected').map((n) => Number(n.data('bus'))).sort((a, b) => a - b);
  }

  zoom(): number {
    return this.cy.zoom();
  }

  screenOf(bus: number): { x: number; y: number } | null {
    const n = this.cy.getElementById(`b${bus}`);
    return n.nonempty() ? n.renderedPosition() : null;
  }

  destroy(): void {
    this.detach();
    this.cy.destroy();
  }
}

function stylesheet(k: number): cytoscape.StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        width: 'data(size)', height: 'data(size)', 'background-color': 'data(color)',
        label: 'data(label)', 'font-size': 7 * k, color: '#344054', 'min-zoomed-font-size': 7,
        'border-width': 0, 'border-color': 'data(ring)',
      },
    },
    { selector: 'node[kind = "gen"]', style: { shape: 'round-rectangle' } },
    { selector: 'node[kind = "ref"]', style: { shape: 'star' } },
    { selector: 'node.ringed', style: { 'border-width': 2.5 * k } },
    { selector: 'node:selected', style: { 'underlay-color': ACCENT, 'underlay-opacity': 0.45, 'underlay-padding': 8 * k, 'underlay-shape': 'ellipse', 'border-width': 2 * k, 'border-color': ACCENT, 'z-index': 10 } },
    { selector: 'edge', style: { width: 'data(width)', 'line-color': 'data(color)', 'curve-style': 'haystack', 'haystack-radius': 0 } },
    { selector: 'edge:selected', style: { 'underlay-color': ACCENT, 'underlay-opacity': 0.35, 'underlay-padding': 4 * k } },
    { selector: 'edge.selected-branch', style: { width: 6 * k, 'z-index': 9 } },
    { selector: 'edge.outaged', style: { 'line-style': 'dashed', 'line-color': '#101828', width: 3 * k, 'curve-style': 'straight', 'z-index': 9 } },
  ];
}
