import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, expect, test } from '@playwright/test';
import { AuthPage, uniqueName } from './pages/auth-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { WorkspacePage } from './pages/workspace-page.js';

/**
 * The real desktop app (dist/desktop, built by scripts/build.mjs) against the e2e server: sign in, edit a
 * file, run it. Electron's binary cannot be downloaded on every machine (ELECTRON_SKIP_BINARY_DOWNLOAD=1):
 * without it this test skips with one line saying so, in CI too; it is the only skip allowed there.
 */

const appDir = path.resolve('dist/desktop');

/**
 * The binary `require('electron')` would name, found the way it finds it but without calling it: when the
 * binary is missing, that `require` starts a download (and throws without a network), which a test must not do.
 */
function electronBinary(): { path: string } | { missing: string } {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return { missing: `its binary was never downloaded (no ${path.relative(process.cwd(), pathFile)})` };
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(packageDir, 'dist');
  const binary = path.join(dist, relative);
  return fs.existsSync(binary) ? { path: binary } : { missing: `${binary} does not exist` };
}

const electron = electronBinary();
const TITLE = 'the desktop app signs in, edits a file and runs it';
// The reporter prints one line per test: without Electron, that line says it skipped and why.
const skipReason = 'missing' in electron ? `skipped: no Electron binary, ${electron.missing}` : undefined;

test(skipReason ? `${TITLE} (${skipReason})` : TITLE, async ({ baseURL }) => {
  if ('missing' in electron) {
    test.skip(true, skipReason);
    return;
  }
  test.setTimeout(120_000);
  expect(fs.existsSync(path.join(appDir, 'main/main.cjs')), 'run `node scripts/build.mjs` first').toBe(true);

  // A fresh profile per run, already pointed at the e2e server (the first-start screen is the renderer's test).
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-desktop-e2e-'));
  fs.writeFileSync(path.join(userData, 'settings.json'), JSON.stringify({ serverUrl: baseURL, runLocation: 'auto' }));
  const env = { ...process.env, TANDEM_USER_DATA_DIR: userData } as Record<string, string>;
  delete env.TANDEM_RENDERER_URL;
  const app = await _electron.launch({
    executablePath: electron.path,
    // Chromium will not start as root with its OS sandbox (containers, CI); the preload still runs sandboxed.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appDir],
    env,
  });
  try {
    const page = await app.firstWindow();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await expect(page).toHaveURL(/^app:\/\/tandem\//);

    // The page has the preload's API and nothing of Node.
    const surface = await page.evaluate(() => ({
      api: Object.keys((window as unknown as { tandemDesktop?: object }).tandemDesktop ?? {}).sort(),
      node: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(surface).toEqual({
      api: ['deepLink', 'localSandbox', 'onCommand', 'onDeepLinksWaiting', 'runLocation', 'session', 'settings', 'shell'],
      node: 'undefined',
      process: 'undefined',
    });

    const username = uniqueName('desk');
    const auth = new AuthPage(page);
    await auth.register(username);
    await auth.expectSignedIn(username);

    await new ProjectsPage(page).create('Desktop run', 'python');
    const workspace = new WorkspacePage(page);
    await workspace.openFile('main.py');
    await workspace.typeAtEnd('\nprint("from the desktop")\n');
    await workspace.expectEditorToContain('from the desktop');
    await workspace.editorLines.click();
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect(workspace.runOutput).toContainText('from the desktop', { timeout: 60_000 });
    await expect(workspace.runStatus).toContainText('code 0', { timeout: 30_000 });
    await page.screenshot({ path: test.info().outputPath('desktop-run.png') });

    // The refresh token went to the OS keychain's file, never to localStorage.
    const stored = await page.evaluate(() => JSON.stringify(window.localStorage));
    expect(stored).not.toContain('refreshToken');
    expect(problems).toEqual([]);
  } finally {
    await app.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
});
