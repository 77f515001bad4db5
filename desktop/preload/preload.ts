// The preload runs sandboxed, where `require` knows only a few built-in modules (electron among them) and
// never our own files or node_modules: it imports nothing but electron at run time. The contract comes in
// as types only, and `satisfies TandemDesktopApi` fails the type-check if a channel is missing or mistyped.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcChannel, IpcRequest, IpcResponse, IpcResult, TandemDesktopApi } from '../../shared/protocol/ipc.js';

const DEEP_LINK_EVENT = 'deepLink.received';

/** One function per channel: only our channels, only through invoke, never ipcRenderer itself. */
function invoker<C extends IpcChannel>(channel: C) {
  return (request?: IpcRequest<C>): Promise<IpcResult<IpcResponse<C>>> => ipcRenderer.invoke(channel, request ?? {});
}

// Links that arrive before the page subscribes (a cold start from a link) wait here, so none is lost.
const pendingLinks: unknown[] = [];
const subscribers = new Set<(link: unknown) => void>();
ipcRenderer.on(DEEP_LINK_EVENT, (_event: IpcRendererEvent, link: unknown) => {
  if (subscribers.size === 0) pendingLinks.push(link);
  else subscribers.forEach((callback) => callback(link));
});

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
  onDeepLink(callback: (link: unknown) => void) {
    if (typeof callback !== 'function') throw new TypeError('onDeepLink needs a function.');
    subscribers.add(callback);
    pendingLinks.splice(0).forEach((link) => callback(link));
    return () => void subscribers.delete(callback);
  },
} satisfies TandemDesktopApi;

contextBridge.exposeInMainWorld('tandemDesktop', api);
