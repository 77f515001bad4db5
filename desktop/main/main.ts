// Electron's main process: the thin glue between Electron and the plain modules beside it (security, app
// files, IPC guard, settings, token vault, deep links, menu, run location), which hold every decision.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, protocol, safeStorage, session, type MessageBoxOptions } from 'electron';
import type { AppCommand } from '../../shared/protocol/ipc.js';
import { DeepLinkInbox } from './deep-link-inbox.js';
import { parseDeepLink, deepLinkFromArgv } from './deep-links.js';
import { appLocations } from './app-paths.js';
import { resolveAppFile } from './app-files.js';
import { createIpcHandlers } from './ipc/ipc-handlers.js';
import { LocalRunServer } from './local-sandbox/local-run-server.js';
import { registerIpcHandlers, sendAppCommand, sendDeepLinksAvailable } from './ipc/register-ipc-handlers.js';
import { menuTemplate } from './menu.js';
import { currentRunLocation, requireLocalDocker } from './run-location-probe.js';
import { APP_SCHEME, contentSecurityPolicy, permissionAllowed } from './security.js';
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
  /** Set once the first window opened: before that, a link or an activation must not open a second one. */
  let started = false;
  // Links wait here until the page takes them (deepLink.take), across reloads and until the user is signed in.
  const inbox = new DeepLinkInbox();

  const userData = app.getPath('userData');
  const settings = new SettingsStore(path.join(userData, 'settings.json'));
  const vault = new TokenVault(path.join(userData, 'session.bin'), safeStorageEncryptor(safeStorage));

  // Started before the first window (the pages' CSP names its port), on a port the OS picks; it lives until
  // the app quits. It touches Docker when a local run or terminal starts, and once in the background to remove
  // sandboxes a crashed earlier run of the app left.
  let localRuns: Promise<LocalRunServer> | undefined;
  let localRunPort: number | undefined;
  const localRunServer = () => {
    localRuns ??= LocalRunServer.start({
      endpoint: requireLocalDocker,
      trusted: locations.trusted,
      // Packaged, the Dockerfiles ship as resources; from source, shared/sandbox finds images/ itself.
      ...(app.isPackaged ? { imagesDir: path.join(process.resourcesPath, 'images') } : {}),
      log,
    });
    // A failed start (no port?) is tried again on the next run instead of being remembered.
    localRuns.then(
      (server) => {
        localRunPort = server.port;
        // In the background: sandboxes a crash left behind go even if this user only ever runs on the server.
        void server.removeEarlierSandboxes();
      },
      () => (localRuns = undefined),
    );
    return localRuns;
  };

  const focus = () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  };

  const liveWindow = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined);

  /**
   * Parsed here; the page only ever sees a checked link, and only when it asks (deepLink.take): the event
   * just says links wait. A page still loading hears once it has loaded (openWindow), not before: the page
   * going away could take the link and lose it.
   */
  const deliverLink = (url: string) => {
    const parsed = parseDeepLink(url);
    if (!parsed.ok) {
      // Before `ready` no dialog can show: say it once the app is up.
      void app
        .whenReady()
        .then(() => dialog.showMessageBox({ type: 'warning', message: 'Tandem cannot open this link', detail: parsed.message }));
      return;
    }
    inbox.put(parsed.link);
    const window = liveWindow();
    if (!window) {
      // macOS keeps the app running with no window: a link opens one, whose page takes the link.
      if (started && BrowserWindow.getAllWindows().length === 0) openWindow();
      return;
    }
    if (!window.webContents.isLoading()) sendDeepLinksAvailable(window.webContents);
    focus();
  };
  const coldStartLink = deepLinkFromArgv(process.argv);
  if (coldStartLink) deliverLink(coldStartLink);

  /** The native confirmation before leaving a server: a page script cannot click it for the user. */
  const confirmServerChange = async (from: string, to: string): Promise<boolean> => {
    const [oldHost, newHost] = [hostOf(from), hostOf(to)];
    const options: MessageBoxOptions = {
      type: 'question',
      message: `Switch Tandem to ${newHost}?`,
      // The renderer keeps each server's documents apart (IndexedDB and its list of unsynced documents are
      // named after the server and the user), so nothing is lost and nothing crosses to the other server.
      detail:
        `You will sign in on ${newHost}, and this computer forgets your sign-in to ${oldHost}. ` +
        `Edits not yet synced to ${oldHost} stay on this computer, kept apart: they are sent when you switch back to ` +
        `${oldHost} and sign in as the same user, and never go to ${newHost}. ` +
        'Terminals and runs open in this window end.',
      buttons: ['Switch', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      noLink: true,
    };
    const window = liveWindow();
    const { response } = await (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
    return response === 0;
  };

  /** A menu command goes to the window the user is looking at; its page owns the screens that carry it out. */
  const sendCommand = (command: AppCommand) => {
    const window = BrowserWindow.getFocusedWindow() ?? liveWindow();
    if (window) sendAppCommand(window.webContents, command);
    // macOS with every window closed: open one; the user picks the command again on its page.
    else if (started) openWindow();
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
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = undefined;
    });
    // Links that came while the page loaded: the page may have subscribed (and taken none) before they came.
    window.webContents.on('did-stop-loading', () => {
      if (inbox.size > 0) sendDeepLinksAvailable(window.webContents);
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
        confirmServerChange,
        deepLinks: inbox,
        runLocation: () => currentRunLocation(settings),
        localSandbox: () => localRunServer().then(({ url, terminalUrl }) => ({ url, terminalUrl })),
        openExternal: openInBrowser,
      }),
      locations.trusted,
      log,
    );

    Menu.setApplicationMenu(
      Menu.buildFromTemplate(menuTemplate(process.platform, { changeServer: () => sendCommand({ command: 'changeServer' }) })),
    );
    // The window opens once the local run server listens (or could not: then local runs are simply refused).
    void localRunServer()
      .catch((error: unknown) => log('the local run server did not start', error))
      .finally(() => {
        started = true;
        openWindow();
      });
    app.on('activate', () => {
      if (started && BrowserWindow.getAllWindows().length === 0) openWindow();
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

function hostOf(url: string): string {
  return new URL(url).host;
}
