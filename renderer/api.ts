// The renderer's view of the Api: Electron's preload bridge when present,
// else the loopback server (browser mode), with the token from the URL.

import type { Api, ApiMethod } from '../main/api';

declare global {
  interface Window { gridrewire?: Record<string, (req?: unknown) => Promise<{ result?: unknown; error?: string }>> }
}

async function call(method: ApiMethod, req?: unknown): Promise<unknown> {
  if (window.gridrewire) {
    const r = await window.gridrewire[method](req);
    if (r.error) throw new Error(r.error);
    return r.result;
  }
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const res = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gridrewire-token': token }, body: JSON.stringify(req ?? null) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.result;
}

export const api = new Proxy({} as Api, {
  get: (_t, method: string) => (req?: unknown) => call(method as ApiMethod, req),
});
