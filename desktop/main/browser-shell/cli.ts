// `npm run desktop:browser`: the desktop app's main-process logic with the renderer in any browser, for
// machines without Electron's binary. Options come from the environment:
//   BROWSER_SHELL_PORT (4611), BROWSER_SHELL_USER_DATA (~/.tandem-browser-shell, only yours: mode 0700),
//   BROWSER_SHELL_TOKEN (this launch's secret, for the page's cookie and the control API; made up when unset).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserShell, TOKEN_QUERY } from './browser-shell.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const port = Number(process.env.BROWSER_SHELL_PORT ?? 4611);
const userData = path.resolve(process.env.BROWSER_SHELL_USER_DATA ?? path.join(os.homedir(), '.tandem-browser-shell'));
// Settings and the session file: no other user of this machine may plant or read them. Only a folder made
// here is locked down; an existing one named in the environment is the caller's to protect.
if (!fs.existsSync(userData)) fs.mkdirSync(userData, { recursive: true, mode: 0o700 });
const controlToken = process.env.BROWSER_SHELL_TOKEN ?? randomBytes(24).toString('base64url');

const shell = await startBrowserShell({ port, userData, appDir: path.join(root, 'dist/desktop'), controlToken });
console.log(`[browser-shell] settings and session in ${userData}`);
// The address carries the secret once; the page keeps it as a cookie its scripts cannot read.
console.log(`[browser-shell] open ${shell.origin}/?${TOKEN_QUERY}=${controlToken}`);

// Local terminals' and runs' sandboxes are removed before the process exits.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void shell.close().finally(() => process.exit(0));
  });
}
