import type { WebPreferences } from 'electron';
import { DESKTOP_APP_ORIGIN } from '../../shared/protocol/ipc.js';
import { DEFAULT_SERVER_URL } from './server-url.js';

/**
 * The desktop window's security decisions, as plain functions Node tests cover: which pages are the app's
 * own, where a navigation may go, which permissions a page gets, and the Content-Security-Policy.
 * The Electron glue (window.ts, main.ts) only applies them.
 */

/** The custom scheme and host the built renderer is served from (see app-files.ts for why not file://). */
const appUrl = new URL(DESKTOP_APP_ORIGIN);
export const APP_SCHEME = appUrl.protocol.slice(0, -1);
export const APP_HOST = appUrl.host;
export const APP_ORIGIN = DESKTOP_APP_ORIGIN;

/** The origins whose pages are the app: app://tandem in production, the Vite dev server with `npm run desktop`. */
export interface TrustedOrigins {
  origins: readonly string[];
}

/**
 * The origin of a URL, also for custom schemes: WHATWG URL gives `app://tandem/x` the opaque origin "null",
 * which would make every app:// page equal to every other opaque origin.
 */
export function originOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host) return `${parsed.protocol}//${parsed.host}`;
  return undefined;
}

/** Is this one of the app's own pages? devtools://, file://, data:, about: and every other site are not. */
export function isAppUrl(url: string | undefined, trusted: TrustedOrigins): boolean {
  if (!url) return false;
  const origin = originOf(url);
  return origin !== undefined && trusted.origins.includes(origin);
}

/**
 * The dev server `npm run desktop` loads, only on this machine: an environment variable must never point an
 * installed app at a remote page that would then hold the preload API.
 */
export function devServerOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const origin = originOf(value);
  if (!origin || !origin.startsWith('http://')) return undefined;
  const host = new URL(origin).hostname;
  return ['localhost', '127.0.0.1', '[::1]'].includes(host) ? origin : undefined;
}

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/** In-window navigation and window.open: app pages stay in the app, web links go to the browser, the rest nowhere. */
export function decideNavigation(url: string, trusted: TrustedOrigins): NavigationDecision {
  if (isAppUrl(url, trusted)) return 'allow';
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}

/** Only http(s) goes to the OS: `file:`, `smb:`, `javascript:` and custom schemes can start programs. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Permission requests are denied unless listed, and only the app's own pages get a listed one: writing to the
 * clipboard (Monaco's copy from the context menu), and reaching a server on this computer or network (the
 * default server is http://localhost:4000; Chromium's Local Network Access asks before a page may).
 */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write', 'local-network-access', 'local-network', 'loopback-network']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined, trusted: TrustedOrigins): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, trusted);
}

/** The server's http(s) origin and its WebSocket twin, for connect-src. */
export function serverConnectSources(serverUrl: string | null): string[] {
  const origin = originOf(serverUrl ?? DEFAULT_SERVER_URL);
  if (!origin || !/^https?:/.test(origin)) return [];
  return [origin, origin.replace(/^http/, 'ws')];
}

/**
 * The policy for the app's pages. Scripts only from the app itself, plus compiling WebAssembly (Automerge);
 * network only to the configured server (the default one before the user picked one, so the first-start
 * screen can reach it) and to the local run stream on its exact loopback port (local-sandbox/local-run-server.ts),
 * so a script in the page cannot reach other services on this computer. A new server address takes effect on
 * the next page load.
 */
export function contentSecurityPolicy(serverUrl: string | null, localRunPort?: number): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'worker-src': ["'self'"],
    // Monaco and React set inline styles.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...serverConnectSources(serverUrl), ...(localRunPort ? [`ws://127.0.0.1:${localRunPort}`] : [])],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * Electron's security checklist, for every window the app opens (`remote` no longer exists in Electron), and
 * what else every one of them needs.
 */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // Not about security, but every app window gets these. Chromium slows timers in a hidden or minimised
    // window, and a local terminal acknowledges its output from xterm's write callback and a 100 ms timer: a
    // build left running behind another window would crawl once 1 MiB waits for acks, and what sync does on
    // timers would lag. An IDE's terminals and sync must keep going in the background, as in other Electron IDEs.
    backgroundThrottling: false,
  };
}
