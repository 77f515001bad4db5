import { BrowserWindow, screen, shell, type WebContents } from 'electron';
import type { AppLocations } from './app-paths.js';
import { decideNavigation, isExternalWebUrl, secureWebPreferences, type TrustedOrigins } from './security.js';
import { restoreBounds } from './window-state.js';

type WindowSettings = { x: number; y: number; width: number; height: number; maximized: boolean };

export interface WindowOptions {
  locations: AppLocations;
  savedBounds: WindowSettings | undefined;
  saveBounds(bounds: WindowSettings): void;
}

const DEFAULT_SIZE = { width: 1280, height: 820 };

/** The main window: where it was last time (on a display that still exists), secure preferences, the app's first page. */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const primary = screen.getPrimaryDisplay();
  const displays = [primary, ...screen.getAllDisplays().filter((display) => display.id !== primary.id)];
  const bounds = restoreBounds(options.savedBounds, displays, DEFAULT_SIZE);
  const window = new BrowserWindow({
    ...bounds,
    minWidth: 640,
    minHeight: 400,
    show: false,
    title: 'Tandem',
    backgroundColor: '#1e1e1e',
    webPreferences: secureWebPreferences(options.locations.preloadFile),
  });
  if (options.savedBounds?.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    // Normal bounds, so a maximised window comes back maximised over the size it had before.
    const { x, y, width, height } = window.getNormalBounds();
    options.saveBounds({ x, y, width, height, maximized: window.isMaximized() });
  });
  void window.loadURL(options.locations.startUrl);
  return window;
}

/**
 * Applied to every web contents the app creates (app.on('web-contents-created')): the app's pages may navigate
 * among themselves; web links open in the user's browser; everything else goes nowhere. No <webview>.
 */
export function hardenWebContents(contents: WebContents, trusted: TrustedOrigins, preloadFile: string): void {
  contents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, trusted);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-external') void openInBrowser(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (decideNavigation(url, trusted) !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideNavigation(url, trusted);
    if (decision === 'allow') {
      return { action: 'allow', overrideBrowserWindowOptions: { webPreferences: secureWebPreferences(preloadFile) } };
    }
    if (decision === 'open-external') void openInBrowser(url);
    return { action: 'deny' };
  });
}

/** http(s) only: other schemes can start programs on the user's machine. */
export async function openInBrowser(url: string): Promise<void> {
  if (!isExternalWebUrl(url)) throw new Error('Only http:// and https:// addresses open in the browser.');
  await shell.openExternal(url);
}
