import path from 'node:path';
import { APP_ORIGIN, devServerOrigin, type TrustedOrigins } from './security.js';

/**
 * Where the app's parts are, below the app's directory: dist/desktop (`electron dist/desktop`), or app.asar
 * when packaged, which is the same folder (scripts/build.mjs stages it).
 */
export interface AppLocations {
  /** <app>/renderer: the built web app (a copy of dist/renderer), served as app://tandem/. */
  rendererDir: string;
  /** <app>/preload/preload.cjs: sandboxed preloads are CommonJS. */
  preloadFile: string;
  /** The first page: the Vite dev server with `npm run desktop`, else the built app. */
  startUrl: string;
  trusted: TrustedOrigins;
}

/**
 * `TANDEM_RENDERER_URL` (set by `npm run desktop`) is honoured only when the app is not packaged, and only for
 * a dev server on this machine: the page that loads gets the preload API.
 */
export function appLocations(options: { appDir: string; isPackaged: boolean; env: Record<string, string | undefined> }): AppLocations {
  const dev = options.isPackaged ? undefined : devServerOrigin(options.env.TANDEM_RENDERER_URL);
  const origin = dev ?? APP_ORIGIN;
  return {
    rendererDir: path.join(options.appDir, 'renderer'),
    preloadFile: path.join(options.appDir, 'preload', 'preload.cjs'),
    startUrl: `${origin}/`,
    trusted: { origins: [origin] },
  };
}
