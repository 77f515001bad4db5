// `npm run desktop`: the desktop app against the Vite dev server (hot reload), with the server from source as
// `npm run dev` runs it. Electron loads http://localhost:5173 (TANDEM_RENDERER_URL, honoured only unpackaged);
// the main process and preload are bundled first (dist/desktop) and are not watched: rerun to pick up changes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDesktop, generatePrismaClient } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const DEV_SERVER = 'http://localhost:5173';

/** Electron's binary, found as `require('electron')` finds it but without its download-on-require. */
function electronBinary() {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(packageDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return undefined;
  const binary = path.join(
    process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(packageDir, 'dist'),
    fs.readFileSync(pathFile, 'utf8').trim(),
  );
  return fs.existsSync(binary) ? binary : undefined;
}

const electron = electronBinary();
if (!electron) {
  process.stderr.write(
    'npm run desktop: no Electron binary in node_modules/electron; install it with `npx install-electron` (needs network).\n',
  );
  process.exit(1);
}

generatePrismaClient();
buildDesktop();
const children = [
  spawn(bin('tsx'), ['watch', '--clear-screen=false', 'server/main.ts'], { cwd: root, stdio: 'inherit' }),
  spawn(bin('vite'), [], { cwd: root, stdio: 'inherit' }),
];
const stop = () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

if (!(await waitFor(DEV_SERVER, 60_000))) {
  process.stderr.write(`npm run desktop: the Vite dev server did not answer at ${DEV_SERVER} within 60 s.\n`);
  stop();
  process.exit(1);
}
const app = spawn(electron, [path.join(root, 'dist/desktop')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TANDEM_RENDERER_URL: DEV_SERVER },
});
children.push(app);
// Closing the app ends the session.
app.on('exit', (code) => {
  process.exitCode = code ?? 0;
  stop();
});
