// The canvas engine: the map of a large grid drawn on one 2D canvas. Branches
// are stroked in one path per colour, buses filled in one path per colour,
// only what is in view; sizes never drop below a few pixels, so the whole
// grid shows when it is all in view (level of detail), and bus numbers appear
// once zoomed in. While the view moves (wheel, drag), the last full frame is
// moved as an image and the full frame follows when the gesture pauses, so
// pan and zoom stay fluid however large the grid. Hover, clicks, box selection
// (shift-drag) and dragging a bus use a spatial index (spatial.ts).

import type { GridGraph } from '../../main/api';
import { DEFAULT_BRANCH, DEFAULT_BUS, DEFAULT_BUS_SIZE, type MapColouring } from './colouring';
import type { MapEngine, MapEvents, Position } from './engine';
import { SpatialIndex } from './spatial';

const ACCENT = '#1f6feb';
const OUTAGED = '#101828';
const DEFAULT_WIDTH = 2.5;
/** Smallest drawn sizes (CSS pixels): a bus's radius and a branch's width. */
const MIN_RADIUS = 1.6, MIN_WIDTH = 0.7;
/** Pointer tolerance (CSS pixels) for hovering and clicking. */
const HIT = 5;
/** A full frame slower than this (ms) makes gestures move the last frame as an image. */
const LIVE_FRAME_MS = 25;
/** The full frame follows a gesture this long (ms) after its last event. */
const SETTLE_MS = 140;
const KIND_LOAD = 0, KIND_GEN = 1, KIND_REF = 2;

interface ViewState { s: number; tx: number; ty: number }

export class CanvasEngine implements MapEngine {
  readonly mode = 'canvas2d' as const;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly snap: HTMLCanvasElement;
  private readonly n: number;
  private readonly ids: Int32Array;
  private readonly rowOf = new Map<number, number>();
  private readonly kind: Uint8Array;
  private xy: Float64Array;
  /** Drawn branches: bus index pairs and their case rows. */
  private readonly edges: Int32Array;
  private readonly edgeRow: Int32Array;
  private busColor: string[];
  private busSize: Float64Array;
  private busRing: (string | null)[];
  private edgeColor: string[];
  private edgeWidth: Float64Array;
  private outaged = -1;
  private selectedBranch = -1;
  private readonly sel = new Set<number>();
  private index: SpatialIndex;
  private view: ViewState = { s: 1, tx: 0, ty: 0 };
  private snapView: ViewState | null = null;
  private width = 0;
  private height = 0;
  private dpr = 1;
  private frame = 0;
  private settleTimer = 0;
  private lastFullMs = 0;
  private gesture = false;
  private drawn = false;
  private box: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private pointer: { id: number; x: number; y: number; moved: boolean; mode: 'pan' | 'box' | 'node'; node: number; shift: boolean } | null = null;
  private hoverQueued: { x: number; y: number } | null = null;
  private hovered = '';
  private readonly moved = new Set<number>();
  private readonly resize: ResizeObserver;
  private readonly detach: () => void;

  constructor(private readonly container: HTMLElement, graph: GridGraph, positions: Position[], private readonly events: () => MapEvents) {
    this.n = graph.buses.length;
    this.ids = Int32Array.from(graph.buses, (b) => b.id);
    graph.buses.forEach((b, i) => this.rowOf.set(b.id, i));
    const gens = new Set(graph.gens.filter((g) => g.inService).map((g) => g.bus));
    this.kind = Uint8Array.from(graph.buses, (b) => (b.type === 3 ? KIND_REF : gens.has(b.id) ? KIND_GEN : KIND_LOAD));
    this.xy = new Float64Array(2 * this.n);
    this.placeAll(positions);
    const drawnBranches = graph.branches.filter((br) => br.inService && this.rowOf.has(br.from) && this.rowOf.has(br.to));
    this.edges = new Int32Array(2 * drawnBranches.length);
    this.edgeRow = new Int32Array(drawnBranches.length);
    drawnBranches.forEach((br, e) => { this.edges[2 * e] = this.rowOf.get(br.from)!; this.edges[2 * e + 1] = this.rowOf.get(br.to)!; this.edgeRow[e] = br.row; });
    this.busColor = new Array<string>(this.n).fill(DEFAULT_BUS);
    this.busSize = new Float64Array(this.n).fill(DEFAULT_BUS_SIZE);
    this.busRing = new Array<string | null>(this.n).fill(null);
    this.edgeColor = new Array<string>(drawnBranches.length).fill(DEFAULT_BRANCH);
    this.edgeWidth = new Float64Array(drawnBranches.length).fill(DEFAULT_WIDTH);
    this.index = new SpatialIndex({ xy: this.xy, edges: this.edges });

    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.canvas.style.cssText = 'display:block;width:100%;height:100%;touch-action:none;cursor:grab';
    container.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d', { alpha: false })!;
    this.snap = document.createElement('canvas');
    this.detach = this.listen();
    this.resize = new ResizeObserver(() => this.fitCanvas());
    this.resize.observe(container);
    this.fitCanvas();
    this.fitAll();
  }

  // ---- MapEngine --------------------------------------------------------------

  setPositions(positions: Position[], refit: boolean): void {
    this.placeAll(positions);
    this.index = new SpatialIndex({ xy: this.xy, edges: this.edges });
    if (refit) this.fitAll(); else this.requestFull();
  }

  private given: MapColouring = {};

  colouring(): MapColouring {
    return this.given;
  }

  setColouring(c: MapColouring, outaged: number | null, selectedBranch: number | null): void {
    this.given = c;
    this.busColor = Array.from({ length: this.n }, (_, i) => c.busColor?.[i] ?? DEFAULT_BUS);
    this.busSize = Float64Array.from({ length: this.n }, (_, i) => c.busSize?.[i] ?? DEFAULT_BUS_SIZE);
    this.busRing = Array.from({ length: this.n }, (_, i) => c.busRing?.[i] ?? null);
    this.edgeColor = Array.from(this.edgeRow, (r) => c.branchColor?.[r - 1] ?? DEFAULT_BRANCH);
    this.edgeWidth = Float64Array.from(this.edgeRow, (r) => c.branchWidth?.[r - 1] ?? DEFAULT_WIDTH);
    this.outaged = outaged ?? -1;
    this.selectedBranch = selectedBranch ?? -1;
    this.requestFull();
  }

  selectBuses(buses: number[]): void {
    this.sel.clear();
    for (const b of buses) { const i = this.rowOf.get(b); if (i !== undefined) this.sel.add(i); }
    this.events().onSelect?.(this.sel.size ? [...this.sel].map((i) => this.ids[i]) : []);
    if (this.sel.size) this.fitTo(this.neighbourhood([...this.sel], 2), 40);
    else this.requestFull();
  }

  fitSelection(): void {
    if (this.sel.size === 0) return this.fitAll();
    this.fitTo(this.sel.size === 1 ? this.neighbourhood([...this.sel], 1) : [...this.sel], 40);
  }

  fitAll(): void {
    this.fitTo(null, 16);
  }

  positions(): Position[] {
    return Array.from(this.ids, (bus, i) => ({ bus, x: this.xy[2 * i], y: this.xy[2 * i + 1] }));
  }

  selected(): number[] {
    return [...this.sel].sort((a, b) => a - b).map((i) => this.ids[i]);
  }

  zoom(): number {
    return this.view.s;
  }

  screenOf(bus: number): { x: number; y: number } | null {
    const i = this.rowOf.get(bus);
    if (i === undefined) return null;
    return { x: this.xy[2 * i] * this.view.s + this.view.tx, y: this.xy[2 * i + 1] * this.view.s + this.view.ty };
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    window.clearTimeout(this.settleTimer);
    this.resize.disconnect();
    this.detach();
    this.canvas.remove();
  }

  // ---- placing and fitting ----------------------------------------------------

  private placeAll(positions: Position[]): void {
    for (const p of positions) {
      const i = this.rowOf.get(p.bus);
      if (i !== undefined) { this.xy[2 * i] = p.x; this.xy[2 * i + 1] = p.y; }
    }
  }

  /** The buses within `hops` branches of these. */
  private neighbourhood(start: number[], hops: number): number[] {
    const adj = this.adjacency();
    const seen = new Set(start);
    let frontier = start;
    for (let h = 0; h < hops; h++) {
      const next: number[] = [];
      for (const u of frontier) for (const v of adj[u]) if (!seen.has(v)) { seen.add(v); next.push(v); }
      frontier = next;
    }
    return [...seen];
  }

  private adj: number[][] | null = null;
  private adjacency(): number[][] {
    if (this.adj) return this.adj;
    const adj: number[][] = Array.from({ length: this.n }, () => []);
    for (let e = 0; e < this.edges.length; e += 2) { adj[this.edges[e]].push(this.edges[e + 1]); adj[this.edges[e + 1]].push(this.edges[e]); }
    return (this.adj = adj);
  }

  private fitTo(nodes: number[] | null, padding: number): void {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const take = (i: number) => {
      x0 = Math.min(x0, this.xy[2 * i]); x1 = Math.max(x1, this.xy[2 * i]);
      y0 = Math.min(y0, this.xy[2 * i + 1]); y1 = Math.max(y1, this.xy[2 * i + 1]);
    };
    if (nodes) nodes.forEach(take); else for (let i = 0; i < this.n; i++) take(i);
    if (!Number.isFinite(x0) || this.width === 0) return this.requestFull();
    const w = Math.max(x1 - x0, 1), h = Math.max(y1 - y0, 1);
    const s = Math.min((this.width - 2 * padding) / w, (this.height - 2 * padding) / h, 6);
    this.view = { s: Math.max(s, 1e-4), tx: this.width / 2 - ((x0 + x1) / 2) * s, ty: this.height / 2 - ((y0 + y1) / 2) * s };
    this.requestFull();
  }

  private fitCanvas(): void {
    const r = this.container.getBoundingClientRect();
    const first = this.width === 0;
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    this.width = Math.max(1, Math.round(r.width));
    this.height = Math.max(1, Math.round(r.height));
    this.canvas.width = Math.round(this.width * this.dpr);
    this.canvas.height = Math.round(this.height * this.dpr);
    this.snap.width = this.canvas.width;
    this.snap.height = this.canvas.height;
    if (first) this.fitAll(); else this.requestFull();
  }

  // ---- drawing ------------------------------------------------------------------

  private requestFull(): void {
    this.snapView = null;
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.drawFull());
  }

  /** During a gesture: the last full frame moved, or a full frame when those are cheap. */
  private requestGesture(): void {
    this.gesture = true;
    window.clearTimeout(this.settleTimer);
    this.settleTimer = window.setTimeout(() => { this.gesture = false; this.requestFull(); }, SETTLE_MS);
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => (this.lastFullMs < LIVE_FRAME_MS || !this.snapView ? this.drawFull() : this.drawMoved()));
  }

  private drawMoved(): void {
    const c = this.ctx, sv = this.snapView!;
    const r = this.view.s / sv.s;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    c.drawImage(this.snap, (this.view.tx - sv.tx * r) * this.dpr, (this.view.ty - sv.ty * r) * this.dpr, this.canvas.width * r, this.canvas.height * r);
    this.drawBox();
  }

  private drawFull(): void {
    const t0 = performance.now();
    const c = this.ctx, { s, tx, ty } = this.view;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, this.width, this.height);
    // What is in view, in map units (with a margin for sizes).
    const m = 40 / s;
    const vx0 = -tx / s - m, vx1 = (this.width - tx) / s + m, vy0 = -ty / s - m, vy1 = (this.height - ty) / s + m;
    const X = (i: number) => this.xy[2 * i] * s + tx, Y = (i: number) => this.xy[2 * i + 1] * s + ty;
    const out = (i: number) => this.xy[2 * i] < vx0 || this.xy[2 * i] > vx1 || this.xy[2 * i + 1] < vy0 || this.xy[2 * i + 1] > vy1;
    const edgeOut = (a: number, b: number) =>
      (this.xy[2 * a] < vx0 && this.xy[2 * b] < vx0) || (this.xy[2 * a] > vx1 && this.xy[2 * b] > vx1) ||
      (this.xy[2 * a + 1] < vy0 && this.xy[2 * b + 1] < vy0) || (this.xy[2 * a + 1] > vy1 && this.xy[2 * b + 1] > vy1);
    c.lineCap = 'round';

    // Branches: one path per colour and width.
    const groups = new Map<string, number[]>();
    const specials: number[] = [];
    for (let e = 0; e < this.edgeRow.length; e++) {
      const a = this.edges[2 * e], b = this.edges[2 * e + 1];
      if (edgeOut(a, b)) continue;
      const row = this.edgeRow[e];
      if (row === this.outaged || row === this.selectedBranch) { specials.push(e); continue; }
      const key = `${this.edgeColor[e]}|${Math.max(MIN_WIDTH, this.edgeWidth[e] * s).toFixed(1)}`;
      const g = groups.get(key);
      if (g) g.push(e); else groups.set(key, [e]);
    }
    for (const [key, list] of groups) {
      const [color, width] = key.split('|');
      c.strokeStyle = color;
      c.lineWidth = Number(width);
      c.beginPath();
      for (const e of list) { const a = this.edges[2 * e], b = this.edges[2 * e + 1]; c.moveTo(X(a), Y(a)); c.lineTo(X(b), Y(b)); }
      c.stroke();
    }
    for (const e of specials) {
      const a = this.edges[2 * e], b = this.edges[2 * e + 1], row = this.edgeRow[e];
      const w = Math.max(2, 3 * s);
      c.save();
      c.strokeStyle = ACCENT; c.globalAlpha = 0.35; c.lineWidth = w + 8;
      c.beginPath(); c.moveTo(X(a), Y(a)); c.lineTo(X(b), Y(b)); c.stroke();
      c.restore();
      c.strokeStyle = row === this.outaged ? OUTAGED : this.edgeColor[e];
      c.lineWidth = row === this.outaged ? w : Math.max(3, 6 * s);
      if (row === this.outaged) c.setLineDash([3 * w, 2 * w]);
      c.beginPath(); c.moveTo(X(a), Y(a)); c.lineTo(X(b), Y(b)); c.stroke();
      c.setLineDash([]);
    }

    // Selected buses: a halo under them.
    c.fillStyle = ACCENT;
    c.globalAlpha = 0.45;
    c.beginPath();
    for (const i of this.sel) { const r = this.radius(i) + 8; c.moveTo(X(i) + r, Y(i)); c.arc(X(i), Y(i), r, 0, 2 * Math.PI); }
    c.fill();
    c.globalAlpha = 1;

    // Buses: one path per colour; squares for generators, a star for the reference bus.
    const byColor = new Map<string, number[]>();
    const visible: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (out(i)) continue;
      visible.push(i);
      const g = byColor.get(this.busColor[i]);
      if (g) g.push(i); else byColor.set(this.busColor[i], [i]);
    }
    for (const [color, list] of byColor) {
      c.fillStyle = color;
      c.beginPath();
      for (const i of list) {
        const r = this.radius(i), x = X(i), y = Y(i);
        if (this.kind[i] === KIND_GEN || r < 2.2) c.rect(x - r, y - r, 2 * r, 2 * r);
        else if (this.kind[i] === KIND_REF) star(c, x, y, r * 1.5);
        else { c.moveTo(x + r, y); c.arc(x, y, r, 0, 2 * Math.PI); }
      }
      c.fill();
    }
    // Rings (e.g. a voltage outside its limits) and the selection's outline.
    for (const i of visible) {
      const ring = this.busRing[i] ?? (this.sel.has(i) ? ACCENT : null);
      if (!ring) continue;
      c.strokeStyle = ring;
      c.lineWidth = Math.max(1.5, 2.5 * s);
      c.beginPath(); c.arc(X(i), Y(i), this.radius(i) + c.lineWidth / 2, 0, 2 * Math.PI); c.stroke();
    }
    // Bus numbers once they can be read.
    const font = Math.min(13, 7 * s);
    if (font >= 7 && visible.length <= 2500) {
      c.fillStyle = '#344054';
      c.font = `${font.toFixed(1)}px system-ui, sans-serif`;
      c.textAlign = 'center';
      c.textBaseline = 'bottom';
      for (const i of visible) c.fillText(String(this.ids[i]), X(i), Y(i) - this.radius(i) - 1);
    }
    this.drawBox();

    // The frame just drawn is what gestures move until the next full one.
    const sc = this.snap.getContext('2d')!;
    sc.drawImage(this.canvas, 0, 0);
    this.snapView = { ...this.view };
    this.lastFullMs = performance.now() - t0;
    if (!this.drawn) {
      this.drawn = true;
      requestAnimationFrame(() => this.events().onDrawn?.());
    }
  }

  private drawBox(): void {
    if (!this.box) return;
    const c = this.ctx, b = this.box;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.fillStyle = 'rgba(31,111,235,0.12)';
    c.strokeStyle = ACCENT;
    c.lineWidth = 1;
    c.fillRect(Math.min(b.x0, b.x1), Math.min(b.y0, b.y1), Math.abs(b.x1 - b.x0), Math.abs(b.y1 - b.y0));
    c.strokeRect(Math.min(b.x0, b.x1), Math.min(b.y0, b.y1), Math.abs(b.x1 - b.x0), Math.abs(b.y1 - b.y0));
  }

  /** A bus's drawn radius (CSS pixels). */
  private radius(i: number): number {
    return Math.max(MIN_RADIUS, (this.busSize[i] * this.view.s) / 2);
  }

  // ---- input --------------------------------------------------------------------

  private toMap(x: number, y: number): [number, number] {
    return [(x - this.view.tx) / this.view.s, (y - this.view.ty) / this.view.s];
  }

  private local(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /** The bus under (x, y) (container pixels), or -1. */
  private nodeAt(x: number, y: number): number {
    const [mx, my] = this.toMap(x, y);
    const i = this.index.nearestNode(mx, my, (Math.max(HIT, MIN_RADIUS) + 6 * this.view.s) / this.view.s);
    return i >= 0 && Math.hypot(this.xy[2 * i] * this.view.s + this.view.tx - x, this.xy[2 * i + 1] * this.view.s + this.view.ty - y) <= this.radius(i) + HIT ? i : -1;
  }

  /** The drawn branch under (x, y), or -1. */
  private edgeAt(x: number, y: number): number {
    const [mx, my] = this.toMap(x, y);
    return this.index.nearestEdge(mx, my, HIT / this.view.s);
  }

  private listen(): () => void {
    const c = this.canvas;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const { x, y } = this.local(e);
      const f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      const s = Math.min(40, Math.max(1e-4, this.view.s * f));
      const k = s / this.view.s;
      this.view = { s, tx: x - (x - this.view.tx) * k, ty: y - (y - this.view.ty) * k };
      this.hover(null);
      this.requestGesture();
    };
    const down = (e: PointerEvent) => {
      if (e.button !== 0) return;
      const { x, y } = this.local(e);
      const node = this.nodeAt(x, y);
      c.setPointerCapture(e.pointerId);
      this.pointer = { id: e.pointerId, x, y, moved: false, mode: e.shiftKey ? 'box' : node >= 0 ? 'node' : 'pan', node, shift: e.shiftKey };
      if (this.pointer.mode === 'pan') c.style.cursor = 'grabbing';
    };
    const move = (e: PointerEvent) => {
      const { x, y } = this.local(e);
      const p = this.pointer;
      if (!p) { this.queueHover(x, y); return; }
      const dx = x - p.x, dy = y - p.y;
      if (!p.moved && Math.hypot(dx, dy) < 4) return;
      p.moved = true;
      this.hover(null);
      if (p.mode === 'pan') {
        this.view = { ...this.view, tx: this.view.tx + dx, ty: this.view.ty + dy };
        p.x = x; p.y = y;
        this.requestGesture();
      } else if (p.mode === 'box') {
        this.box = { x0: p.x, y0: p.y, x1: x, y1: y };
        this.requestGesture();
      } else {
        // Dragging a bus moves it (and the other selected buses with it, when it is one of them).
        const group = this.sel.has(p.node) ? [...this.sel] : [p.node];
        for (const i of group) { this.xy[2 * i] += dx / this.view.s; this.xy[2 * i + 1] += dy / this.view.s; this.moved.add(i); }
        p.x = x; p.y = y;
        this.requestFull();
      }
    };
    const up = (e: PointerEvent) => {
      const p = this.pointer;
      if (!p || p.id !== e.pointerId) return;
      this.pointer = null;
      c.style.cursor = 'grab';
      const { x, y } = this.local(e);
      if (!p.moved) return this.click(x, y, p.shift);
      if (p.mode === 'box' && this.box) {
        const [ax, ay] = this.toMap(this.box.x0, this.box.y0), [bx, by] = this.toMap(this.box.x1, this.box.y1);
        this.box = null;
        for (const i of this.index.nodesIn(ax, ay, bx, by)) this.sel.add(i);
        this.events().onSelect?.(this.selected());
        this.requestFull();
      } else if (p.mode === 'node' && this.moved.size) {
        this.index = new SpatialIndex({ xy: this.xy, edges: this.edges });
        const moved = [...this.moved].map((i) => ({ bus: this.ids[i], x: this.xy[2 * i], y: this.xy[2 * i + 1] }));
        this.moved.clear();
        this.events().onMoved?.(moved);
      }
    };
    const leave = () => { if (!this.pointer) this.hover(null); };
    c.addEventListener('wheel', wheel, { passive: false });
    c.addEventListener('pointerdown', down);
    c.addEventListener('pointermove', move);
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('pointerleave', leave);
    return () => {
      c.removeEventListener('wheel', wheel);
      c.removeEventListener('pointerdown', down);
      c.removeEventListener('pointermove', move);
      c.removeEventListener('pointerup', up);
      c.removeEventListener('pointercancel', up);
      c.removeEventListener('pointerleave', leave);
    };
  }

  /** A click: on a bus selects it (shift: adds or removes it), on a branch takes it out, elsewhere clears the selection. */
  private click(x: number, y: number, shift: boolean): void {
    const node = this.nodeAt(x, y);
    if (node >= 0) {
      if (!shift) this.sel.clear();
      if (shift && this.sel.has(node)) this.sel.delete(node); else this.sel.add(node);
      this.events().onSelect?.(this.selected());
      return this.requestFull();
    }
    const edge = this.edgeAt(x, y);
    if (edge >= 0) return this.events().onBranch?.(this.edgeRow[edge]);
    if (this.sel.size && !shift) {
      this.sel.clear();
      this.events().onSelect?.([]);
      this.requestFull();
    }
  }

  private queueHover(x: number, y: number): void {
    const first = this.hoverQueued === null;
    this.hoverQueued = { x, y };
    if (first) requestAnimationFrame(() => {
      const q = this.hoverQueued!;
      this.hoverQueued = null;
      if (this.gesture || this.pointer) return;
      const node = this.nodeAt(q.x, q.y);
      if (node >= 0) return this.hover({ kind: 'bus', row: node, x: q.x, y: q.y });
      const edge = this.edgeAt(q.x, q.y);
      this.hover(edge >= 0 ? { kind: 'branch', row: this.edgeRow[edge], x: q.x, y: q.y } : null);
    });
  }

  private hover(h: { kind: 'bus' | 'branch'; row: number; x: number; y: number } | null): void {
    const key = h ? `${h.kind}${h.row}` : '';
    this.canvas.style.cursor = this.pointer?.mode === 'pan' ? 'grabbing' : h ? 'pointer' : 'grab';
    if (key === this.hovered && !h) return;
    this.hovered = key;
    this.events().onHover?.(h);
  }
}

function star(c: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5, rr = k % 2 ? r * 0.45 : r;
    if (k === 0) c.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); else c.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  c.closePath();
}
