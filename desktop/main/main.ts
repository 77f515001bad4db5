// Electron's main process: the thin glue between Electron and the plain modules beside it (security, app
// files, IPC guard, settings, token vault, deep links, run location), which hold every decision.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, protocol, safeStorage, session } from 'electron';
import { parseDeepLink, deepLinkFromArgv } from './deep-links.js';
import { appLocations } from './app-paths.js';
import { resolveAppFile } from './app-files.js';
import { createIpcHandlers } from './ipc/ipc-handlers.js';
import { LocalRunServer } from './local-sandbox/local-run-server.js';
import { registerIpcHandlers, sendDeepLink } from './ipc/register-ipc-handlers.js';
import { menuTemplate } from './menu.js';
import { decideRunLocation } from './run-location.js';
import { findLocalDocker, localDocker, serverAnswers } from './run-location-probe.js';
import { APP_SCHEME, contentSecurityPolicy, permissionAllowed } from './security.js';
import { DEFAULT_SERVER_URL } from './server-url.js';
import { SettingsStore } from './settings-store.js';
import { safeStorageEncryptor, TokenVault } from './token-vault.js';
import { createMainWindow, hardenWebContents, openInBrowser } from './window.js';

const DEEP_LINK_SCHEME = 'tandem';
/** How long quitting waits for local runs' sandboxes to be removed. */
const QUIT_WAIT_MS = 10_000;
const log = (message: string, error?: unknown) => console.warn(`[tandem] ${message}`, ...(error === undefined ? [] : [error]));

// Before `ready`: app:// is a standard, secure origin (fetch, IndexedDB, CSP 'self', code cache).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

// End-to-end tests keep each run's settings and keychain file apart; an installed app never reads this.
if (!app.isPackaged && process.env.TANDEM_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.TANDEM_USER_DATA_DIR));

const locations = appLocations({ appDir: app.getAppPath(), isPackaged: app.isPackaged, env: process.env });

// A second launch (for example from a tandem:// link on Windows or Linux) hands its arguments to the first and quits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  let mainWindow: BrowserWindow | undefined;
  const pendingLinks: string[] = [];
  const coldStartLink = deepLinkFromArgv(process.argv);
  if (coldStartLink) pendingLinks.push(coldStartLink);

  const userData = app.getPath('userData');
  const settings = new SettingsStore(path.join(userData, 'settings.json'));
  const vault = new TokenVault(path.join(userData, 'session.bin'), safeStorageEncryptor(safeStorage));

  // Started before the first window (the pages' CSP names its port), on a port the OS picks; it lives until
  // the app quits. It touches Docker only when a local run starts.
  let localRuns: Promise<LocalRunServer> | undefined;
  let localRunPort: number | undefined;
  const localRunServer = () => {
    localRuns ??= LocalRunServer.start({
      endpoint: async () => {
        const found = await findLocalDocker();
        if (!found.ok) throw new Error(found.reason);
        return found.endpoint;
      },
      trusted: locations.trusted,
      // Packaged, the Dockerfiles ship as resources; from source, shared/sandbox finds images/ itself.
      ...(app.isPackaged ? { imagesDir: path.join(process.resourcesPath, 'images') } : {}),
      log,
    });
    // A failed start (no port?) is tried again on the next run instead of being remembered.
    localRuns.then(
      (server) => (localRunPort = server.port),
      () => (localRuns = undefined),
    );
    return localRuns;
  };

  const focus = () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  };

  /** Parsed here; the page only ever sees a checked link. Before the page has loaded, it waits. */
  const deliverLink = (url: string) => {
    const parsed = parseDeepLink(url);
    if (!parsed.ok) {
      // Before `ready` no dialog can show: say it once the app is up.
      void app
        .whenReady()
        .then(() => dialog.showMessageBox({ type: 'warning', message: 'Tandem cannot open this link', detail: parsed.message }));
      return;
    }
    if (!mainWindow || mainWindow.isDestroyed() || mainWindow.webContents.isLoading()) {
      pendingLinks.push(url);
      // macOS keeps the app running with no window: a link opens one (it takes the link once loaded).
      if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
      return;
    }
    sendDeepLink(mainWindow.webContents, parsed.link);
    focus();
  };

  app.on('second-instance', (_event, argv) => {
    focus();
    const link = deepLinkFromArgv(argv);
    if (link) deliverLink(link);
  });
  // macOS delivers links as an event, also on a cold start (before `ready`).
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deliverLink(url);
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, locations.trusted, locations.preloadFile));

  const openWindow = () => {
    const window = createMainWindow({
      locations,
      savedBounds: settings.load().window,
      saveBounds: (bounds) => {
        try {
          settings.update({ window: bounds });
        } catch (error) {
          log('could not remember the window position', error);
        }
      },
    });
    window.webContents.on('did-finish-load', () => pendingLinks.splice(0).forEach(deliverLink));
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = undefined;
    });
    mainWindow = window;
  };

  void app.whenReady().then(() => {
    // Installed builds register tandem:// with the OS (the installers also declare it); a dev build does not take it over.
    if (app.isPackaged) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);

    const defaultSession = session.defaultSession;
    defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(permissionAllowed(permission, details.requestingUrl, locations.trusted)),
    );
    defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
      permissionAllowed(permission, details.requestingUrl ?? requestingOrigin, locations.trusted),
    );

    protocol.handle(APP_SCHEME, async (request) => {
      const found = resolveAppFile(request.url, locations.rendererDir);
      if (found.status !== 200) return new Response(null, { status: found.status });
      const body = await fs.promises.readFile(found.file);
      return new Response(body, {
        headers: {
          'content-type': found.contentType,
          // Read per response: a new server address applies from the next page load.
          'content-security-policy': contentSecurityPolicy(settings.load().serverUrl, localRunPort),
          'x-content-type-options': 'nosniff',
        },
      });
    });

    registerIpcHandlers(
      createIpcHandlers({
        settings,
        sessions: vault,
        runLocation: async () => {
          const { runLocation, serverUrl } = settings.load();
          const server = serverUrl ?? DEFAULT_SERVER_URL;
          const [serverReachable, local] = await Promise.all([serverAnswers(server), localDocker()]);
          return decideRunLocation({ setting: runLocation, serverReachable, local, serverHost: new URL(server).host });
        },
        localSandbox: async () => ({ url: (await localRunServer()).url }),
        openExternal: openInBrowser,
      }),
      locations.trusted,
      log,
    );

    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform)));
    // The window opens once the local run server listens (or could not: then local runs are simply refused).
    void localRunServer()
      .catch((error: unknown) => log('the local run server did not start', error))
      .finally(openWindow);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });

  // Local runs end with the app, and their sandboxes are removed before it exits.
  let quitting = false;
  app.on('will-quit', (event) => {
    if (!localRuns || quitting) return;
    quitting = true;
    event.preventDefault();
    // An engine that stopped answering must not keep the app from quitting.
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS));
    void localRuns
      .then((server) => Promise.race([server.close(), giveUp]))
      .catch((error: unknown) => log('stopping local runs failed', error))
      .finally(() => app.quit());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
