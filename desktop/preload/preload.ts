// The preload runs sandboxed, where `require` knows only a few built-in modules (electron among them) and
// never our own files or node_modules: it imports nothing but electron at run time. The contract comes in
// as types only, and `satisfies TandemDesktopApi` fails the type-check if a channel is missing or mistyped.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcChannel, IpcEvent, IpcRequest, IpcResponse, IpcResult, TandemDesktopApi } from '../../shared/protocol/ipc.js';

// The event names of shared/protocol/ipc.ts (DEEP_LINK_EVENT, APP_COMMAND_EVENT), spelled out: no run-time import.
const DEEP_LINK_EVENT = 'deepLink.available' satisfies IpcEvent;
const APP_COMMAND_EVENT = 'app.command' satisfies IpcEvent;

/** One function per channel: only our channels, only through invoke, never ipcRenderer itself. */
function invoker<C extends IpcChannel>(channel: C) {
  return (request?: IpcRequest<C>): Promise<IpcResult<IpcResponse<C>>> => ipcRenderer.invoke(channel, request ?? {});
}

/**
 * Subscribes a page callback to one event. Only the payload reaches the page (never Electron's event, whose
 * `sender` is ipcRenderer itself); the page parses it.
 */
function subscribe(event: IpcEvent, callback: (payload: unknown) => void): () => void {
  const listener = (_event: IpcRendererEvent, payload: unknown) => callback(payload);
  ipcRenderer.on(event, listener);
  return () => void ipcRenderer.removeListener(event, listener);
}

function requireFunction(name: string, callback: unknown): void {
  if (typeof callback !== 'function') throw new TypeError(`${name} needs a function.`);
}

const api = {
  settings: {
    get: invoker('settings.get'),
    setServerUrl: invoker('settings.setServerUrl'),
    setRunLocation: invoker('settings.setRunLocation'),
  },
  session: { load: invoker('session.load'), save: invoker('session.save'), clear: invoker('session.clear') },
  runLocation: { get: invoker('runLocation.get') },
  localSandbox: { connect: invoker('localSandbox.connect') },
  shell: { openExternal: invoker('shell.openExternal') },
  deepLink: { take: invoker('deepLink.take') },
  // The links themselves wait in the main process (a reload loses none); the event only says to take them.
  // Called once at once too: links that came before this page subscribed (a cold start, a reload) wait already.
  onDeepLinksWaiting(callback: () => void) {
    requireFunction('onDeepLinksWaiting', callback);
    const unsubscribe = subscribe(DEEP_LINK_EVENT, () => callback());
    callback();
    return unsubscribe;
  },
  onCommand(callback: (command: unknown) => void) {
    requireFunction('onCommand', callback);
    return subscribe(APP_COMMAND_EVENT, callback);
  },
} satisfies TandemDesktopApi;

contextBridge.exposeInMainWorld('tandemDesktop', api);
