// A uniform grid over the map's buses and branches, to find what is under
// the pointer (or in a box) without looking at every element: the canvas
// map answers hover and clicks on grids of 10,000 buses with it. No DOM.

export interface SpatialIndexInput {
  /** Bus positions x0, y0, x1, y1, ... (map units). */
  xy: Float64Array;
  /** Edges as bus index pairs a0, b0, a1, b1, ... */
  edges: Int32Array;
}

export class SpatialIndex {
  private readonly cell: number;
  private readonly nodeCells = new Map<number, number[]>();
  private readonly edgeCells = new Map<number, number[]>();

  constructor(private readonly input: SpatialIndexInput, cell?: number) {
    this.cell = cell ?? defaultCell(input);
    const { xy, edges } = input;
    for (let i = 0; i < xy.length / 2; i++) push(this.nodeCells, this.key(this.cx(xy[2 * i]), this.cy(xy[2 * i + 1])), i);
    for (let e = 0; e < edges.length / 2; e++) {
      const a = edges[2 * e], b = edges[2 * e + 1];
      const x0 = this.cx(Math.min(xy[2 * a], xy[2 * b])), x1 = this.cx(Math.max(xy[2 * a], xy[2 * b]));
      const y0 = this.cy(Math.min(xy[2 * a + 1], xy[2 * b + 1])), y1 = this.cy(Math.max(xy[2 * a + 1], xy[2 * b + 1]));
      // A long edge goes into every cell of its box, at most 64 of them; longer ones into the cells along the segment.
      if ((x1 - x0 + 1) * (y1 - y0 + 1) <= 64) {
        for (let gx = x0; gx <= x1; gx++) for (let gy = y0; gy <= y1; gy++) push(this.edgeCells, this.key(gx, gy), e);
      } else {
        const steps = Math.ceil(Math.hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]) / (this.cell / 2)) + 1;
        const seen = new Set<number>();
        for (let s = 0; s <= steps; s++) {
          const t = s / steps;
          const gx = this.cx(xy[2 * a] + (xy[2 * b] - xy[2 * a]) * t), gy = this.cy(xy[2 * a + 1] + (xy[2 * b + 1] - xy[2 * a + 1]) * t);
          for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
            const k = this.key(gx + dx, gy + dy);
            if (!seen.has(k)) { seen.add(k); push(this.edgeCells, k, e); }
          }
        }
      }
    }
  }

  /** The bus nearest to (x, y) within `radius` (map units), or -1. */
  nearestNode(x: number, y: number, radius: number): number {
    let best = -1, bd = radius;
    this.around(this.nodeCells, x, y, radius, (i) => {
      const d = Math.hypot(this.input.xy[2 * i] - x, this.input.xy[2 * i + 1] - y);
      if (d <= bd) { bd = d; best = i; }
    });
    return best;
  }

  /** The edge nearest to (x, y) within `radius` (distance to the segment), or -1. */
  nearestEdge(x: number, y: number, radius: number): number {
    let best = -1, bd = radius;
    const { xy, edges } = this.input;
    this.around(this.edgeCells, x, y, radius, (e) => {
      const d = segmentDistance(x, y, xy[2 * edges[2 * e]], xy[2 * edges[2 * e] + 1], xy[2 * edges[2 * e + 1]], xy[2 * edges[2 * e + 1] + 1]);
      if (d <= bd) { bd = d; best = e; }
    });
    return best;
  }

  /** Buses inside the box (map units). */
  nodesIn(x0: number, y0: number, x1: number, y1: number): number[] {
    const out: number[] = [];
    const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)], [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
    for (let gx = this.cx(ax); gx <= this.cx(bx); gx++) {
      for (let gy = this.cy(ay); gy <= this.cy(by); gy++) {
        for (const i of this.nodeCells.get(this.key(gx, gy)) ?? []) {
          const x = this.input.xy[2 * i], y = this.input.xy[2 * i + 1];
          if (x >= ax && x <= bx && y >= ay && y <= by) out.push(i);
        }
      }
    }
    return out.sort((p, q) => p - q);
  }

  private around(cells: Map<number, number[]>, x: number, y: number, radius: number, visit: (i: number) => void): void {
    const seen = new Set<number>();
    for (let gx = this.cx(x - radius); gx <= this.cx(x + radius); gx++) {
      for (let gy = this.cy(y - radius); gy <= this.cy(y + radius); gy++) {
        for (const i of cells.get(this.key(gx, gy)) ?? []) if (!seen.has(i)) { seen.add(i); visit(i); }
      }
    }
  }

  private cx(x: number): number { return Math.floor(x / this.cell); }
  private cy(y: number): number { return Math.floor(y / this.cell); }
  /** Cells as one number (cell coordinates stay well inside +-2^20 for any map of sane size). */
  private key(gx: number, gy: number): number { return (gx + 1048576) * 2097152 + (gy + 1048576); }
}

function push(m: Map<number, number[]>, k: number, v: number): void {
  const list = m.get(k);
  if (list) list.push(v); else m.set(k, [v]);
}

/** A cell of about two median edge lengths (or a 64th of the extent without edges). */
function defaultCell({ xy, edges }: SpatialIndexInput): number {
  const len: number[] = [];
  for (let e = 0; e < edges.length; e += 2 * Math.max(1, Math.floor(edges.length / 2000))) {
    const d = Math.hypot(xy[2 * edges[e]] - xy[2 * edges[e + 1]], xy[2 * edges[e] + 1] - xy[2 * edges[e + 1] + 1]);
    if (d > 0) len.push(d);
  }
  if (len.length) { len.sort((a, b) => a - b); return 2 * len[len.length >> 1]; }
  let x0 = Infinity, x1 = -Infinity;
  for (let i = 0; i < xy.length; i += 2) { x0 = Math.min(x0, xy[i]); x1 = Math.max(x1, xy[i]); }
  return Math.max(1, (x1 - x0) / 64);
}

export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
