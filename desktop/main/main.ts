// Electron's main process: the thin glue between Electron and the plain modules beside it (security, app
// files, IPC guard, settings, token vault, deep links, run location), which hold every decision.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, protocol, safeStorage, session } from 'electron';
import { parseDeepLink, deepLinkFromArgv } from './deep-links.js';
import { appLocations } from './app-paths.js';
import { resolveAppFile } from './app-files.js';
import { createIpcHandlers } from './ipc/ipc-handlers.js';
import { registerIpcHandlers, sendDeepLink } from './ipc/register-ipc-handlers.js';
import { menuTemplate } from './menu.js';
import { decideRunLocation } from './run-location.js';
import { localDocker, serverAnswers } from './run-location-probe.js';
import { APP_SCHEME, contentSecurityPolicy, permissionAllowed } from './security.js';
import { DEFAULT_SERVER_URL } from './server-url.js';
import { SettingsStore } from './settings-store.js';
import { safeStorageEncryptor, TokenVault } from './token-vault.js';
import { createMainWindow, hardenWebContents, openInBrowser } from './window.js';

const DEEP_LINK_SCHEME = 'tandem';
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

  const focus = () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  };

  /** Parsed here; the page only ever sees a checked link. Before the page has loaded, it waits. */
  const deliverLink = (url: string) => {
    const parsed = parseDeepLink(url);
    if (!parsed.ok) {
      if (app.isReady()) void dialog.showMessageBox({ type: 'warning', message: 'Tandem cannot open this link', detail: parsed.message });
      return;
    }
    if (!mainWindow || mainWindow.isDestroyed() || mainWindow.webContents.isLoading()) {
      pendingLinks.push(url);
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
          'content-security-policy': contentSecurityPolicy(settings.load().serverUrl),
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
        openExternal: openInBrowser,
      }),
      locations.trusted,
      log,
    );

    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform)));
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
