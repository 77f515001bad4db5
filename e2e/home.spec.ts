import { expect, test } from '@playwright/test';
import { ReadinessResponse } from '../shared/protocol/health.js';
import { HomePage } from './pages/home-page.js';
import { requireChromium } from './support.js';

test.beforeEach(() => requireChromium());

test('the server serves the web app, which shows the server ready on the embedded database', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));

  const home = new HomePage(page);
  await home.open();
  await expect(home.heading).toHaveText('Tandem');
  await expect(home.serverStatus).toHaveText('ready');
  await expect(home.databaseStatus).toHaveText('connected (embedded)');
  await expect(home.dockerStatus).not.toBeEmpty();
  await page.screenshot({ path: test.info().outputPath('home.png') });
  // No script, style or CSP errors under helmet's Content-Security-Policy.
  expect(problems).toEqual([]);
});

test('the readiness endpoint the page reads follows the shared contract', async ({ request }) => {
  const response = await request.get('/health/ready');
  expect(response.status()).toBe(200);
  const readiness = ReadinessResponse.parse(await response.json());
  expect(readiness.database.kind).toBe('embedded');
});

test('a client-side route loads the app, and an unknown API route answers JSON', async ({ page, request }) => {
  await page.goto('/projects/anything');
  await expect(new HomePage(page).heading).toHaveText('Tandem');
  const response = await request.get('/api/auth/me');
  expect(response.status()).toBe(401);
  expect((await response.json()).error.code).toBe('unauthorized');
});
