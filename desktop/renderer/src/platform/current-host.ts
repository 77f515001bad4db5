import { chooseServer, createDesktopRuns, createElectronHost, type DesktopRuns } from './electron-host.js';
import type { Host } from './host.js';
import { createWebHost } from './web-host.js';

export type HostResult = { kind: 'ready'; host: Host } | { kind: 'needsServer'; choose(url: string): Promise<void> };

/**
 * The one place that picks the platform: the desktop app's preload API when present, the web otherwise.
 * The desktop app on first start has no server yet: the caller asks for one.
 */
export async function currentHost(): Promise<HostResult> {
  const desktop = window.tandemDesktop;
  if (!desktop) return { kind: 'ready', host: createWebHost() };
  const host = await createElectronHost(desktop);
  if (host) return { kind: 'ready', host };
  return {
    kind: 'needsServer',
    async choose(url) {
      await chooseServer(desktop, url);
    },
  };
}

/** Deep links (tandem://invite/…, tandem://open/…) the desktop app received; a no-op on the web. */
export function onDeepLink(callback: (link: unknown) => void): () => void {
  return window.tandemDesktop?.onDeepLink(callback) ?? (() => undefined);
}

export type { DesktopRuns };

/** Where the desktop app runs code and its local run stream; `undefined` on the web, where code runs on the server. */
export function desktopRuns(): DesktopRuns | undefined {
  const desktop = window.tandemDesktop;
  return desktop ? createDesktopRuns(desktop) : undefined;
}
