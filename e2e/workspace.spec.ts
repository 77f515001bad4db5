import { expect, test } from '@playwright/test';
import { ReadinessResponse } from '../shared/protocol/health.js';
import { AuthPage, uniqueName } from './pages/auth-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { WorkspacePage } from './pages/workspace-page.js';
import { requireChromium } from './support.js';

test.beforeEach(() => requireChromium());

test('sign-in and registration show the server\u2019s errors plainly', async ({ page }) => {
  await page.goto('/');
  const auth = new AuthPage(page);
  await auth.signIn('nobody-here', 'wrong password 123');
  await expect(auth.error).toContainText('Wrong username, email or password');
  await auth.register(uniqueName('weak'), 'password123');
  await expect(auth.error).toContainText(/common|password/i);
  await page.screenshot({ path: test.info().outputPath('sign-in-error.png') });
});

test('projects, the file tree and quick open work from the keyboard and mouse, under the server\u2019s CSP', async ({ page }) => {
  test.setTimeout(90_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    // The one refusal this test provokes on purpose (the bad file name) is logged by Chromium too.
    if (message.type() === 'error' && !message.text().includes('status of 400')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const username = uniqueName('solo');
  await page.goto('/');
  const auth = new AuthPage(page);
  await auth.register(username);
  await auth.expectSignedIn(username);
  await expect(page.getByText('No projects yet')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('projects-empty.png') });

  await new ProjectsPage(page).create('Tree work', 'python');
  const workspace = new WorkspacePage(page);
  await workspace.openFile('main.py');
  await expect(workspace.status).toHaveAttribute('data-state', 'online');
  await expect(page.getByText('Saved automatically')).toBeVisible();

  // A new file in a new folder, then a rename.
  await page.getByRole('button', { name: 'New file', exact: true }).click();
  await page.getByLabel('New file name').fill('src/util.py');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="editor"][data-path="src/util.py"]')).toBeVisible();
  await workspace.typeAtEnd('def helper():\n    return 42\n');
  const row = page.locator('[data-testid="tree-file"][data-path="src/util.py"]');
  await row.hover();
  await row.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('Rename file').fill('helpers.py');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="tree-file"][data-path="src/helpers.py"]')).toBeVisible();
  // The open tab follows the rename: same document, new name.
  await expect(page.locator('[data-testid="editor"][data-path="src/helpers.py"]')).toBeVisible();
  await workspace.expectEditorToContain('return 42');

  // A bad name is refused with the rule broken, and nothing is lost.
  await page.getByRole('button', { name: 'New file', exact: true }).click();
  await page.getByLabel('New file name').fill('../escape.py');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('navigation', { name: 'Files' }).getByRole('alert')).toContainText('..');

  // Quick open.
  await page.locator('[data-testid="tree-file"][data-path="main.py"]').click();
  await page.keyboard.press('ControlOrMeta+P');
  await page.getByLabel('File name').fill('help');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="editor"][data-path="src/helpers.py"]')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('workspace.png') });

  // Delete the file, then back to the list to rename and delete the project.
  page.once('dialog', (dialog) => void dialog.accept());
  const helpers = page.locator('[data-testid="tree-file"][data-path="src/helpers.py"]');
  await helpers.hover();
  await helpers.getByRole('button', { name: 'Delete' }).click();
  await expect(helpers).toHaveCount(0);
  await page.getByRole('link', { name: 'Tandem' }).click();
  const projects = new ProjectsPage(page);
  await projects.row('Tree work').getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('New name').fill('Renamed work');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(projects.row('Renamed work')).toBeVisible();
  await expect(projects.row('Renamed work')).toContainText('owner');
  page.once('dialog', (dialog) => void dialog.accept());
  await projects.row('Renamed work').getByRole('button', { name: 'Delete' }).click();
  await expect(projects.row('Renamed work')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the readiness endpoint follows the shared contract; unknown API routes answer JSON, app routes the app', async ({
  page,
  request,
}) => {
  const readiness = ReadinessResponse.parse(await (await request.get('/health/ready')).json());
  expect(readiness.database.kind).toBe('embedded');
  const response = await request.get('/api/auth/me');
  expect(response.status()).toBe(401);
  expect((await response.json()).error.code).toBe('unauthorized');
  await page.goto('/projects/00000000-0000-4000-8000-000000000000');
  await expect(page.getByRole('tab', { name: 'Sign in' })).toBeVisible();
});

test('signing out ends the session on the server too: the refresh token it held is refused afterwards', async ({ page }) => {
  await page.goto('/');
  const auth = new AuthPage(page);
  const username = uniqueName('leaver');
  await auth.register(username);
  await auth.expectSignedIn(username);
  const refreshToken = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((name) => name.startsWith('tandem.session:'));
    return key ? (JSON.parse(localStorage.getItem(key)!) as { refreshToken: string }).refreshToken : null;
  });
  expect(refreshToken).toBeTruthy();
  const loggedOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('tab', { name: 'Sign in' })).toBeVisible();
  expect((await loggedOut).status()).toBe(204);
  // One try only: a refresh that worked would rotate the token, and a second try would fail for that reason.
  const refreshed = await page.request.post('/api/auth/refresh', { data: { refreshToken } });
  expect(refreshed.status()).toBe(401);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((name) => name.startsWith('tandem.session:')))).toEqual([]);
});
