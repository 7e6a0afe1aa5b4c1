// A progress bar on stderr: redrawn in place on a terminal, a line per 10%
// otherwise (logs stay readable).

import type { N1Progress } from '../services/n1';

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: N1Progress): void; end(): void } {
  const tty = !!stream.isTTY;
  let lastDecile = -1, lastDraw = 0;
  const fmtEta = (s: number) => (!Number.isFinite(s) ? '?' : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${s.toFixed(1)}s`);
  return {
    update(p) {
      const frac = p.total ? p.done / p.total : 1;
      const text = `${label} ${p.done}/${p.total} ${(frac * 100).toFixed(0)}% ${p.rate.toFixed(1)}/s ETA ${fmtEta(p.etaSeconds)}`;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.done < p.total) return;
        lastDraw = now;
        const w = 24, fill = Math.round(frac * w);
        stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${text}\x1b[K`);
      } else {
        const d = Math.floor(frac * 10);
        if (d !== lastDecile) { lastDecile = d; stream.write(text + '\n'); }
      }
    },
    end() { if (tty) stream.write('\n'); },
  };
}
