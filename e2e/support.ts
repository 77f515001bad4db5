import fs from 'node:fs';
import { test } from '@playwright/test';
import { chromiumExecutable } from '../playwright.config.js';

const inCI = ['true', '1'].includes(String(process.env.CI).toLowerCase());

/** Locally, a missing Chromium skips the browser tests with one line; in CI it fails them. */
export function requireChromium(): void {
  if (fs.existsSync(chromiumExecutable) || inCI) return;
  test.skip(true, `Chromium is not installed at ${chromiumExecutable}: apt-get install chromium, or set CHROMIUM_PATH`);
}
