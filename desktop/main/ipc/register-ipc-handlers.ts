import { ipcMain, type WebContents } from 'electron';
import { APP_COMMAND_EVENT, DEEP_LINK_EVENT, IPC_CHANNEL_NAMES, type AppCommand } from '../../../shared/protocol/ipc.js';
import type { TrustedOrigins } from '../security.js';
import { handleIpcMessage, type IpcHandlers } from './ipc-guard.js';

/**
 * The only place that calls ipcMain.handle. Each channel's handler hands Electron's event to the guard
 * (channel, sending frame, payload) and answers with its result; nothing here throws across the bridge.
 */
export function registerIpcHandlers(
  handlers: IpcHandlers,
  trusted: TrustedOrigins,
  log: (message: string, error?: unknown) => void,
): () => void {
  for (const channel of IPC_CHANNEL_NAMES) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      // senderFrame is null once the frame navigated away or closed: refused as an unknown sender.
      const frame = event.senderFrame;
      return handleIpcMessage(handlers, channel, frame ? { url: frame.url } : undefined, payload, trusted, log);
    });
  }
  return () => IPC_CHANNEL_NAMES.forEach((channel) => ipcMain.removeHandler(channel));
}

/**
 * Main → renderer: deep links wait in the main process's inbox. The event carries none of them (a page that
 * reloads before acting would lose it); the page calls `deepLink.take` when it can act on them.
 */
export function sendDeepLinksAvailable(contents: WebContents): void {
  if (!contents.isDestroyed()) contents.send(DEEP_LINK_EVENT, {});
}

/** Main → renderer: an application-menu command the page carries out (it owns the screens). */
export function sendAppCommand(contents: WebContents, command: AppCommand): void {
  if (!contents.isDestroyed()) contents.send(APP_COMMAND_EVENT, command);
}
