// Map layouts: one (x, y) per bus of a case, as laid out for the map or as
// the user arranged them.

import type { Db } from './db';
import { StoreError } from './errors';
import type { NodePosition } from './types';
import { notFound } from './validate';

export class LayoutRepo {
  constructor(private readonly db: Db) {}

  /** Inserts or moves the given buses; others keep their positions. One transaction. */
  upsert(caseId: number, positions: readonly NodePosition[]): void {
    this.write(caseId, positions, false);
  }

  /** The case's whole layout becomes `positions` (a fresh layout of every bus). One transaction. */
  replace(caseId: number, positions: readonly NodePosition[]): void {
    this.write(caseId, positions, true);
  }

  private write(caseId: number, positions: readonly NodePosition[], replace: boolean): void {
    for (const p of positions) {
      if (!Number.isSafeInteger(p.bus) || !Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        throw new StoreError('INVALID', `layout position for bus ${String(p.bus)} must have an integer bus and finite x, y`);
      }
    }
    this.db.write('saving a layout', () => {
      if (!this.db.stmt('SELECT 1 FROM cases WHERE id = ?').get(caseId)) throw notFound('case', caseId);
      if (replace) this.db.stmt('DELETE FROM layouts WHERE case_id = ?').run(caseId);
      const put = this.db.stmt(
        'INSERT INTO layouts (case_id, bus, x, y) VALUES (?, ?, ?, ?) ON CONFLICT (case_id, bus) DO UPDATE SET x = excluded.x, y = excluded.y',
      );
      for (const p of positions) put.run(caseId, p.bus, p.x, p.y);
    });
  }

  /** Positions of a case, by bus number; empty when never laid out. */
  get(caseId: number): NodePosition[] {
    return this.db.guard('reading a layout', () => this.db.stmt('SELECT bus, x, y FROM layouts WHERE case_id = ? ORDER BY bus').all(caseId) as NodePosition[]);
  }

  clear(caseId: number): number {
    return this.db.write('clearing a layout', () => this.db.stmt('DELETE FROM layouts WHERE case_id = ?').run(caseId).changes);
  }
}
