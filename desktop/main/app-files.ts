import fs from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './security.js';

/**
 * Serves the built renderer (dist/renderer) under app://tandem/ rather than loading it from file://:
 * - the renderer's absolute `/assets/...` URLs and client-side routes (/projects/42) work unchanged, with the
 *   same build as the web app (Vite's base stays '/');
 * - the page has a real origin of its own, so CSP 'self', IndexedDB (offline projects), Web Locks and the
 *   IPC sender check all mean "this app" rather than "any file on the disk";
 * - the service worker simply does not register (it is for http(s) only), as the files are local anyway.
 */

export type AppFileResult = { status: 200; file: string; contentType: string } | { status: 404 | 403 };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  // instantiateStreaming (Automerge) insists on this type.
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file an app:// URL names inside `rendererDir`. A path without an extension that names no file is a
 * client-side route and gets index.html; anything outside the directory (`..`, encoded or not) is refused.
 */
export function resolveAppFile(requestUrl: string, rendererDir: string, exists: (file: string) => boolean = isFile): AppFileResult {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 404 };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { status: 404 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { status: 404 };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { status: 403 };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${path.posix.normalize(`/${pathname}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return { status: 403 };
  if (file !== root && exists(file)) return { status: 200, file, contentType: contentTypeFor(file) };
  if (path.posix.extname(pathname) === '') {
    const index = path.join(root, 'index.html');
    return { status: 200, file: index, contentType: contentTypeFor(index) };
  }
  return { status: 404 };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
