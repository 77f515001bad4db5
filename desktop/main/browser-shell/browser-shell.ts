import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AppCommand, IPC_CHANNEL_NAMES, type IpcEvent } from '../../../shared/protocol/ipc.js';
import { appLocations } from '../app-paths.js';
import { resolveAppFile } from '../app-files.js';
import { DeepLinkInbox } from '../deep-link-inbox.js';
import { parseDeepLink } from '../deep-links.js';
import { handleIpcMessage } from '../ipc/ipc-guard.js';
import { createIpcHandlers } from '../ipc/ipc-handlers.js';
import { LocalRunServer } from '../local-sandbox/local-run-server.js';
import { currentRunLocation, requireLocalDocker } from '../run-location-probe.js';
import { contentSecurityPolicy, APP_ORIGIN } from '../security.js';
import { SettingsStore } from '../settings-store.js';
import { MemoryKeychain } from '../memory-keychain.js';
import { TokenVault } from '../token-vault.js';

/**
 * The desktop app in a plain browser, for machines without Electron's binary (it cannot be downloaded on every
 * machine) and for the end-to-end tests: the built renderer, the real preload bundle and the main process's
 * real modules (IPC guard and handlers, settings store, token vault, deep-link inbox, run-location decision,
 * local run server), with only Electron's own pieces stood in for:
 * - app:// is this loopback HTTP server (answering with resolveAppFile and the desktop CSP), the way
 *   `npm run desktop` serves the renderer from a dev server on this machine, a trusted origin in that mode;
 * - ipcRenderer is a small bridge (/__shell/bridge.js, run before the app's scripts) that invokes over
 *   same-origin POSTs and receives events over Server-Sent Events. The guard gets the page URL the browser
 *   itself put in Referer, as ipcMain gets the sending frame's URL;
 * - safeStorage is AES-256-GCM with a key that lives as long as this process;
 * - the native dialogs and the OS's link and menu events come through a control API guarded by a secret, so
 *   a page script cannot answer "switch server?" for the user.
 * Electron's IPC cannot be reached from outside the app; this HTTP stand-in can, by any program on the machine.
 * So IPC and events also want the per-launch secret, as an HttpOnly cookie the browser gets by opening the
 * printed address once (`/?shell-token=…`), and requests must name this host (no DNS rebinding).
 * Development and tests only: it is never packaged (electron-builder packs dist/desktop).
 */
export interface BrowserShellOptions {
  port: number;
  /** Where Electron's userData would be: settings.json and session.bin. */
  userData: string;
  /** dist/desktop, as scripts/build.mjs stages it. */
  appDir: string;
  /** The secret the control API wants in `x-browser-shell-token`. */
  controlToken: string;
  log?: (message: string, error?: unknown) => void;
}

export interface BrowserShell {
  origin: string;
  close(): Promise<void>;
}

export const BRIDGE_PATH = '/__shell/bridge.js';
/** The page's cookie, named per port: cookies ignore ports, and two shells must not overwrite each other's. */
export const shellCookieName = (port: number | string) => `tandem_shell_${port}`;
export const TOKEN_QUERY = 'shell-token';
const CONTROL_PREFIX = '/__shell/control/';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** ipcRenderer and contextBridge for the real preload bundle, which `require`s nothing but electron. */
function bridgeScript(preloadSource: string): string {
  return `// The browser shell's stand-in for Electron's preload environment (desktop/main/browser-shell).
(() => {
  const listeners = new Map();
  const ipcRenderer = {
    async invoke(channel, payload) {
      const response = await fetch('/__shell/ipc/' + encodeURIComponent(channel), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload === undefined ? {} : payload),
      });
      return response.json();
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  new EventSource('/__shell/events').addEventListener('message', (message) => {
    const { event, payload } = JSON.parse(message.data);
    listeners.get(event)?.forEach((listener) => listener({}, payload));
  });
  const contextBridge = {
    exposeInMainWorld(name, api) {
      Object.defineProperty(window, name, { value: Object.freeze(api), enumerable: true });
    },
  };
  const require = (name) => {
    if (name !== 'electron') throw new Error('a sandboxed preload cannot require ' + name);
    return { contextBridge, ipcRenderer };
  };
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();
`;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve(undefined);
      }
    });
    request.on('error', reject);
  });
}

export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const preloadFile = path.join(options.appDir, 'preload/preload.cjs');
  if (!fs.existsSync(preloadFile) || !fs.existsSync(path.join(options.appDir, 'renderer/index.html'))) {
    throw new Error(`${options.appDir} is not built: run \`node scripts/build.mjs\` first.`);
  }
  const log = options.log ?? ((message, error) => console.warn(`[browser-shell] ${message}`, ...(error === undefined ? [] : [error])));
  // Listening first: with port 0 the OS picks the port, and the origin (trusted by the guard) names it.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const locations = appLocations({ appDir: options.appDir, isPackaged: false, env: { TANDEM_RENDERER_URL: origin } });
  fs.mkdirSync(options.userData, { recursive: true });
  const settings = new SettingsStore(path.join(options.userData, 'settings.json'));
  const vault = new TokenVault(path.join(options.userData, 'session.bin'), new MemoryKeychain());
  const inbox = new DeepLinkInbox();
  const localRuns = await LocalRunServer.start({ endpoint: requireLocalDocker, trusted: locations.trusted, log });
  const bridge = bridgeScript(fs.readFileSync(preloadFile, 'utf8'));
  const tokenDigest = digest(options.controlToken);

  /** What the test or developer decides in place of the user at a native dialog, and what was asked. */
  const control = {
    serverChangeAnswer: false,
    serverChangeQuestions: [] as Array<{ from: string; to: string }>,
    serverDown: false,
  };

  const handlers = createIpcHandlers({
    settings,
    sessions: vault,
    confirmServerChange: async (from, to) => {
      control.serverChangeQuestions.push({ from, to });
      return control.serverChangeAnswer;
    },
    deepLinks: inbox,
    // A closed port stands in for a server the network cannot reach.
    runLocation: () => currentRunLocation(settings, (server) => (control.serverDown ? 'http://127.0.0.1:9' : server)),
    localSandbox: async () => ({ url: localRuns.url, terminalUrl: localRuns.terminalUrl }),
    openExternal: async (url) => log(`would open ${url} in the browser`),
  });

  const subscribers = new Set<http.ServerResponse>();
  const emit = (event: IpcEvent, payload: unknown) => {
    const data = `data: ${JSON.stringify({ event, payload })}\n\n`;
    for (const subscriber of subscribers) subscriber.write(data);
  };

  const json = (response: http.ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  const matches = (sent: string | undefined) => typeof sent === 'string' && timingSafeEqual(digest(sent), tokenDigest);
  // Not the control token: the browser sends cookies to every service on 127.0.0.1, whatever its port, and
  // whoever logs them must not be able to answer the shell's dialogs with what they find.
  const pageSecret = randomBytes(32).toString('base64url');
  const pageDigest = digest(pageSecret);
  const cookieName = shellCookieName(new URL(origin).port);
  // Only the header: the page's own fetches carry the cookie, and the page must not answer the dialogs.
  const controlAllowed = (request: http.IncomingMessage) => {
    const sent = request.headers['x-browser-shell-token'];
    return matches(typeof sent === 'string' ? sent : undefined);
  };
  const pageAllowed = (request: http.IncomingMessage) => {
    const cookies = (request.headers.cookie ?? '').split(';').map((part) => part.trim());
    const cookie = cookies.find((part) => part.startsWith(`${cookieName}=`))?.slice(cookieName.length + 1);
    return cookie !== undefined && timingSafeEqual(digest(cookie), pageDigest);
  };
  // The guard trusts exactly this origin, so only this host name is served (no DNS rebinding, no half-working localhost).
  const hosts = new Set([new URL(origin).host]);

  async function handleControl(name: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!controlAllowed(request)) return json(response, 401, { message: 'Send the shell’s control token in x-browser-shell-token.' });
    if (request.method === 'GET' && name === 'state') return json(response, 200, { ...control, pendingLinks: inbox.size });
    if (request.method !== 'POST') return json(response, 405, { message: 'Use POST.' });
    const body = (await readBody(request)) as Record<string, unknown> | undefined;
    switch (name) {
      case 'link': {
        // As main.ts does with a link the OS hands over: checked, kept until the page takes it, the page told.
        const parsed = parseDeepLink(String(body?.url ?? ''));
        if (!parsed.ok) return json(response, 400, { message: parsed.message });
        inbox.put(parsed.link);
        emit('deepLink.available', {});
        return json(response, 200, { ok: true });
      }
      case 'command': {
        const command = AppCommand.safeParse(body);
        if (!command.success) return json(response, 400, { message: 'Send {"command": "changeServer"}.' });
        emit('app.command', command.data);
        return json(response, 200, { ok: true });
      }
      case 'dialogs':
        if (typeof body?.serverChangeAnswer !== 'boolean')
          return json(response, 400, { message: 'Send {"serverChangeAnswer": true|false}.' });
        control.serverChangeAnswer = body.serverChangeAnswer;
        return json(response, 200, { ok: true });
      case 'network':
        if (typeof body?.serverDown !== 'boolean') return json(response, 400, { message: 'Send {"serverDown": true|false}.' });
        control.serverDown = body.serverDown;
        return json(response, 200, { ok: true });
      default:
        return json(response, 404, { message: `No control ${name}.` });
    }
  }

  async function handleIpc(channel: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'POST') return json(response, 405, { message: 'Use POST.' });
    // The browser sets Referer itself; a page script cannot claim another page's URL.
    const referer = request.headers.referer;
    const payload = await readBody(request).catch(() => undefined);
    const result = await handleIpcMessage(handlers, channel, referer ? { url: referer } : undefined, payload, locations.trusted, log);
    json(response, 200, result);
  }

  function serveAppFile(request: http.IncomingMessage, response: http.ServerResponse): void {
    const found = resolveAppFile(`${APP_ORIGIN}${request.url ?? '/'}`, locations.rendererDir);
    if (found.status !== 200) {
      response.writeHead(found.status).end();
      return;
    }
    const headers = {
      'content-type': found.contentType,
      'content-security-policy': contentSecurityPolicy(settings.load().serverUrl, localRuns.port),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    };
    if (path.basename(found.file) !== 'index.html') {
      response.writeHead(200, headers);
      fs.createReadStream(found.file).pipe(response);
      return;
    }
    // The preload runs before any page script, as Electron runs it: a classic script ahead of the module scripts.
    const html = fs.readFileSync(found.file, 'utf8').replace('<head>', `<head><script src="${BRIDGE_PATH}"></script>`);
    response.writeHead(200, headers).end(html);
  }

  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', origin);
    const route = async () => {
      if (!hosts.has(request.headers.host ?? '')) {
        json(response, 421, { message: `Open this shell as ${origin}/.` });
      } else if (url.searchParams.has(TOKEN_QUERY)) {
        // The printed address: the secret becomes a cookie page scripts cannot read, and leaves the address bar.
        const sent = url.searchParams.get(TOKEN_QUERY) ?? '';
        if (!matches(sent))
          return json(response, 401, { message: 'This shell-token is not this launch’s; use the address the shell printed.' });
        url.searchParams.delete(TOKEN_QUERY);
        response
          .writeHead(303, {
            location: `${url.pathname}${url.search}`,
            'set-cookie': `${cookieName}=${pageSecret}; HttpOnly; SameSite=Strict; Path=/`,
          })
          .end();
      } else if ((url.pathname === '/__shell/events' || url.pathname.startsWith('/__shell/ipc/')) && !pageAllowed(request)) {
        json(response, 401, { message: 'Open the address the browser shell printed (it carries this launch’s secret).' });
      } else if (url.pathname === BRIDGE_PATH) {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(bridge);
      } else if (url.pathname === '/__shell/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        response.write(': connected\n\n');
        subscribers.add(response);
        request.on('close', () => subscribers.delete(response));
      } else if (url.pathname === '/__shell/health') {
        json(response, 200, { ok: true, channels: IPC_CHANNEL_NAMES.length });
      } else if (url.pathname.startsWith('/__shell/ipc/')) {
        await handleIpc(decodeURIComponent(url.pathname.slice('/__shell/ipc/'.length)), request, response);
      } else if (url.pathname.startsWith(CONTROL_PREFIX)) {
        await handleControl(url.pathname.slice(CONTROL_PREFIX.length), request, response);
      } else {
        serveAppFile(request, response);
      }
    };
    route().catch((error: unknown) => {
      log(`${request.method} ${url.pathname} failed`, error);
      if (!response.headersSent) json(response, 500, { message: 'The browser shell failed; see its log.' });
      else response.end();
    });
  });

  return {
    origin,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const subscriber of subscribers) subscriber.end();
      server.closeAllConnections();
      await closed;
      await localRuns.close();
    },
  };
}
