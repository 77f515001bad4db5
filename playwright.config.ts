import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './server/test-support/chromium.js';

// The whole app as a user gets it: `npm start`'s script on a fresh embedded database, driven in Chromium.
const port = Number(process.env.E2E_PORT ?? 4610);
// Set once in the runner; workers inherit it, so all of them talk about the same server.
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));

/**
 * The desktop app without Electron's binary (desktop/main/browser-shell): its pages, preload and main-process
 * modules, on this origin, which the server must allow as it allows app://tandem.
 */
process.env.BROWSER_SHELL_TOKEN ??= randomBytes(24).toString('base64url');
export const desktopShell = {
  origin: `http://127.0.0.1:${Number(process.env.E2E_DESKTOP_PORT ?? port + 1)}`,
  userData: path.join(process.env.E2E_DATA_DIR, 'desktop'),
  controlToken: process.env.BROWSER_SHELL_TOKEN,
};

export const chromiumExecutable = chromiumPath();

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  timeout: 30_000,
  workers: 1,
  forbidOnly: true,
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumExecutable,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: [
    {
      command: 'node scripts/start.mjs',
      url: `http://127.0.0.1:${port}/health/ready`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      // DATABASE_URL is cleared: this is `npm start` on a fresh machine, on the embedded database.
      env: {
        DATABASE_URL: '',
        PORT: String(port),
        HOST: '127.0.0.1',
        TANDEM_DATA_DIR: path.join(process.env.E2E_DATA_DIR, 'data'),
        LOG_LEVEL: 'warn',
        CORS_ORIGINS: desktopShell.origin,
      },
    },
    {
      command: 'npx tsx desktop/main/browser-shell/cli.ts',
      url: `${desktopShell.origin}/__shell/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      // Local runs' and terminals' sandboxes are removed before it exits.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
      env: {
        BROWSER_SHELL_PORT: new URL(desktopShell.origin).port,
        BROWSER_SHELL_USER_DATA: desktopShell.userData,
        BROWSER_SHELL_TOKEN: desktopShell.controlToken,
      },
    },
  ],
});
