// contextBridge: exposes the Api contract's methods and nothing else.

import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS } from '../main/api-methods';

const bridge: Record<string, (req?: unknown) => Promise<unknown>> = {};
for (const m of API_METHODS) bridge[m] = (req?: unknown) => ipcRenderer.invoke(`api:${m}`, req);
contextBridge.exposeInMainWorld('gridrewire', bridge);
