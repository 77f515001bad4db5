import { AppCommand, type DeepLink } from '../../../../shared/protocol/ipc.js';
import {
  chooseServer,
  createDesktopRuns,
  createElectronHost,
  takeDeepLinks,
  type DesktopRuns,
  type ServerChoice,
} from './electron-host.js';
import type { Host } from './host.js';
import { createWebHost } from './web-host.js';

export type { ServerChoice };

/**
 * `changeServer` is there only in the desktop app, whose user picks the server (the web app's is the site
 * it came from). On the desktop's first start there is no server yet: the caller asks for one.
 */
export type HostResult =
  | { kind: 'ready'; host: Host; changeServer?: ((url: string) => Promise<ServerChoice>) | undefined }
  | { kind: 'needsServer'; choose(url: string): Promise<ServerChoice> };

/** The one place that picks the platform: the desktop app's preload API when present, the web otherwise. */
export async function currentHost(): Promise<HostResult> {
  const desktop = window.tandemDesktop;
  if (!desktop) return { kind: 'ready', host: createWebHost() };
  const choose = (url: string) => chooseServer(desktop, url);
  const host = await createElectronHost(desktop);
  if (host) return { kind: 'ready', host, changeServer: choose };
  return { kind: 'needsServer', choose };
}

/**
 * Deep links (tandem://invite/…, tandem://open/…) the desktop app received, handed over while subscribed:
 * they wait in the main process until then (across reloads), so subscribe only where they can be acted on.
 * Links already waiting come at once. A no-op on the web.
 */
export function onDeepLinks(callback: (links: DeepLink[]) => void): () => void {
  const desktop = window.tandemDesktop;
  if (!desktop) return () => undefined;
  return desktop.onDeepLinksWaiting(() => {
    takeDeepLinks(desktop).then(
      // Delivered even if the subscriber left meanwhile: taken links exist nowhere else.
      (links) => links.length > 0 && callback(links),
      (error: unknown) => console.warn('Tandem could not take the waiting links:', error),
    );
  });
}

/** Commands from the desktop app's menu (Change Server…), checked like any message from another process; a no-op on the web. */
export function onAppCommand(callback: (command: AppCommand) => void): () => void {
  return (
    window.tandemDesktop?.onCommand((received) => {
      const command = AppCommand.safeParse(received);
      if (command.success) callback(command.data);
    }) ?? (() => undefined)
  );
}

export type { DesktopRuns };

/** Where the desktop app runs code and its local run stream; `undefined` on the web, where code runs on the server. */
export function desktopRuns(): DesktopRuns | undefined {
  const desktop = window.tandemDesktop;
  return desktop ? createDesktopRuns(desktop) : undefined;
}
