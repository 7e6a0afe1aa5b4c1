// contextBridge: exposes the Api contract's methods and its event stream, nothing else.

import { contextBridge, ipcRenderer } from 'electron';
import { API_EVENT_CHANNEL, API_METHODS } from '../main/api-methods';

const bridge: Record<string, (req?: unknown) => Promise<unknown>> = {};
for (const m of API_METHODS) bridge[m] = (req?: unknown) => ipcRenderer.invoke(`api:${m}`, req);
contextBridge.exposeInMainWorld('gridrewire', bridge);
// Events the main process pushes (job progress): the renderer subscribes, no polling.
contextBridge.exposeInMainWorld('gridrewireEvents', {
  subscribe(listener: (e: unknown) => void): () => void {
    const on = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(API_EVENT_CHANNEL, on);
    return () => { ipcRenderer.removeListener(API_EVENT_CHANNEL, on); };
  },
});
