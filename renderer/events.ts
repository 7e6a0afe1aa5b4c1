// Events the main process pushes (job progress and results): Electron's
// preload bridge when present, else the loopback server's WebSocket, which
// reconnects after a drop. Nothing polls.

import type { ApiEvent } from '../main/api';

declare global {
  interface Window { gridrewireEvents?: { subscribe(listener: (e: ApiEvent) => void): () => void } }
}

/** Calls `listener` for every event; `onReconnect` after a dropped stream is back (state may have moved meanwhile). */
export function subscribeEvents(listener: (e: ApiEvent) => void, onReconnect: () => void = () => undefined): () => void {
  if (window.gridrewireEvents) return window.gridrewireEvents.subscribe(listener);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  let ws: WebSocket | null = null, closed = false, retry = 250, dropped = false;
  const connect = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events?token=${encodeURIComponent(token)}`);
    ws.onopen = () => { retry = 250; if (dropped) { dropped = false; onReconnect(); } };
    ws.onmessage = (m) => { try { listener(JSON.parse(String(m.data)) as ApiEvent); } catch { /* not ours */ } };
    ws.onclose = () => {
      if (closed) return;
      dropped = true;
      setTimeout(connect, retry);
      retry = Math.min(5000, retry * 2);
    };
  };
  connect();
  return () => { closed = true; ws?.close(); };
}
