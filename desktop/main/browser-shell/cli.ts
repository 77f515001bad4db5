// `npm run desktop:browser`: the desktop app's main-process logic with the renderer in any browser, for
// machines without Electron's binary. Options come from the environment:
//   BROWSER_SHELL_PORT (4611), BROWSER_SHELL_USER_DATA (a folder under the OS's temp dir),
//   BROWSER_SHELL_TOKEN (the control API's secret; one is made up and printed when unset).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserShell } from './browser-shell.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const port = Number(process.env.BROWSER_SHELL_PORT ?? 4611);
const userData = path.resolve(process.env.BROWSER_SHELL_USER_DATA ?? path.join(os.tmpdir(), 'tandem-browser-shell'));
const controlToken = process.env.BROWSER_SHELL_TOKEN ?? randomBytes(24).toString('base64url');

const shell = await startBrowserShell({ port, userData, appDir: path.join(root, 'dist/desktop'), controlToken });
console.log(`[browser-shell] the desktop app at ${shell.origin}/ (settings and session in ${userData})`);
if (!process.env.BROWSER_SHELL_TOKEN) console.log(`[browser-shell] control token: ${controlToken}`);

// Local terminals' and runs' sandboxes are removed before the process exits.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void shell.close().finally(() => process.exit(0));
  });
}
