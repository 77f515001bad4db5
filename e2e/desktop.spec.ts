import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { desktopShell } from '../playwright.config.js';
import { AuthPage, PASSWORD, uniqueName } from './pages/auth-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { WorkspacePage } from './pages/workspace-page.js';
import { requireChromium } from './support.js';

/**
 * The desktop app's own flows in Chromium: the built renderer with the real preload and main-process modules
 * (desktop/main/browser-shell says what stands in for Electron), against the e2e server and the real Docker
 * engine. e2e/electron.spec.ts launches the real Electron binary where one is installed.
 */

requireChromium();

/** What the OS and the native dialogs would do, through the shell's control API. */
function shellControl(request: APIRequestContext) {
  const call = async (name: string, data?: unknown) => {
    const response = data
      ? await request.post(`${desktopShell.origin}/__shell/control/${name}`, {
          data,
          headers: { 'x-browser-shell-token': desktopShell.controlToken },
        })
      : await request.get(`${desktopShell.origin}/__shell/control/${name}`, {
          headers: { 'x-browser-shell-token': desktopShell.controlToken },
        });
    expect(response.status(), await response.text()).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  return {
    openLink: (url: string) => call('link', { url }),
    command: (command: 'changeServer') => call('command', { command }),
    answerServerChange: (serverChangeAnswer: boolean) => call('dialogs', { serverChangeAnswer }),
    serverDown: (serverDown: boolean) => call('network', { serverDown }),
    state: () => call('state') as Promise<{ serverChangeQuestions: Array<{ from: string; to: string }> }>,
  };
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('tab', { name: 'Sign in' })).toBeVisible();
}

async function accessToken(page: Page, server: string, login: string): Promise<string> {
  const response = await page.request.post(`${server}/api/auth/login`, { data: { login, password: PASSWORD } });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

test('desktop: first start, keychain session, deep links, local runs and terminals, offline start, server change, invites', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const server = baseURL!;
  const context = await browser.newContext({ baseURL: desktopShell.origin });
  const page = await context.newPage();
  const shell = shellControl(context.request);
  const auth = new AuthPage(page);
  const workspace = new WorkspacePage(page);
  const owner = uniqueName('desk');
  let projectId = '';
  let otherId = '';

  try {
    await test.step('first start asks for the server, then signs in on it', async () => {
      // The address the shell prints: its secret becomes a cookie the page's scripts cannot read.
      await page.goto(`/?shell-token=${desktopShell.controlToken}`);
      await expect(page).toHaveURL(`${desktopShell.origin}/`);
      const form = page.getByRole('form', { name: 'Choose a server' });
      await form.getByLabel('Server address').fill('ftp://nowhere');
      await form.getByRole('button', { name: 'Continue' }).click();
      await expect(form.getByRole('alert')).toBeVisible();
      await form.getByLabel('Server address').fill(`${server}/`);
      await form.getByRole('button', { name: 'Continue' }).click();
      // The page reloads so the CSP names the chosen server.
      await expect(page.getByRole('tab', { name: 'Create account' })).toBeVisible();
      const settings = JSON.parse(fs.readFileSync(path.join(desktopShell.userData, 'settings.json'), 'utf8')) as { serverUrl: string };
      expect(settings.serverUrl).toBe(server);
      expect((await shell.state()).serverChangeQuestions).toEqual([]);
      await auth.register(owner);
      await auth.expectSignedIn(owner);
    });

    await test.step('the session lives in the keychain file, never in localStorage, and survives a restart', async () => {
      const vault = path.join(desktopShell.userData, 'session.bin');
      await expect.poll(() => fs.existsSync(vault)).toBe(true);
      expect(fs.readFileSync(vault).toString('latin1')).not.toContain('refreshToken');
      const stored = await page.evaluate(() => Object.keys(localStorage).filter((key) => /token|session/i.test(key)));
      expect(stored).toEqual([]);
      await page.reload();
      await auth.expectSignedIn(owner);
    });

    await test.step('a tandem://open link that comes while signed out waits until sign-in, then opens the project', async () => {
      projectId = await new ProjectsPage(page).create('Desk project');
      await page.goto('/');
      await signOut(page);
      await shell.openLink(`tandem://open/${projectId}`);
      await page.reload();
      await auth.signIn(owner);
      await expect(page).toHaveURL(new RegExp(`/projects/${projectId}`));
      await expect(page.locator('[data-testid="tree-file"][data-path="main.py"]')).toBeVisible();
    });

    await test.step('Run on Local: the file runs on this computer’s Docker engine, from this device’s copy', async () => {
      await workspace.openFile('main.py');
      await page.getByLabel('Where code runs').selectOption('local');
      await expect(page.locator('.run-panel__location')).toContainText('Local Docker');
      await workspace.typeAtEnd('\nprint("ran locally", 6 * 7)');
      await workspace.editorLines.click();
      await page.keyboard.press('ControlOrMeta+Enter');
      await expect(workspace.runOutput).toContainText('ran locally 42', { timeout: 90_000 });
      await expect(workspace.runStatus).toContainText('code 0', { timeout: 30_000 });
    });

    await test.step('a terminal on this computer holds the project’s files and is never listed to collaborators', async () => {
      await workspace.openTerminalPanel();
      await expect(page.getByTestId('terminal-location')).toContainText('Local Docker');
      await page.getByTestId('new-terminal').click();
      const tab = page.locator('[data-testid="terminal-tab"][data-location="local"]');
      await expect(tab).toContainText('This computer');
      const screen = page.getByTestId('terminal-screen').locator('.xterm-rows');
      await expect(screen).toBeVisible({ timeout: 60_000 });
      await page.getByTestId('terminal-screen').click();
      await page.keyboard.type('echo $((6*7))-$(ls /workspace | tr "\\n" " ")\n');
      await expect(screen).toContainText(/42-.*main\.py/, { timeout: 30_000 });
      // Leaving the project would end the shell: a deep link asks first, and Stay keeps it.
      const other = await page.request.post(`${server}/api/projects`, {
        headers: { Authorization: `Bearer ${await accessToken(page, server, owner)}` },
        data: { name: 'Other project' },
      });
      expect(other.status()).toBe(201);
      otherId = ((await other.json()) as { project: { id: string } }).project.id;
      await shell.openLink(`tandem://open/${otherId}`);
      const leave = page.getByRole('dialog', { name: 'Leave this project?' });
      await expect(leave).toContainText('1 terminal running on this computer');
      await leave.getByRole('button', { name: 'Stay' }).click();
      await expect(leave).toHaveCount(0);
      await expect(page).toHaveURL(new RegExp(`/projects/${projectId}`));
      await page.getByTestId('terminal-screen').click();
      await page.keyboard.type('echo still-$((1+1))\n');
      await expect(screen).toContainText('still-2', { timeout: 10_000 });
      const listed = await page.request.get(`${server}/api/projects/${projectId}/terminals`, {
        headers: { Authorization: `Bearer ${await accessToken(page, server, owner)}` },
      });
      expect(((await listed.json()) as { terminals: unknown[] }).terminals).toEqual([]);
      await tab.getByRole('button', { name: /Close terminal/ }).click();
      await expect(tab).toHaveCount(0);
    });

    await test.step('with the server unreachable the app starts, opens the project from this device and runs it locally', async () => {
      await page.getByLabel('Where code runs').selectOption('auto');
      // The page's every request to the server fails, as when the network is gone; the app's own files still load.
      let blocked = true;
      await shell.serverDown(true);
      const serverOrigin = new URL(server).origin;
      await context.route(`${server}/**`, (route) => (blocked ? route.abort('connectionrefused') : route.continue()));
      await context.routeWebSocket(
        (url) => url.origin === serverOrigin.replace(/^http/, 'ws'),
        (socket) => (blocked ? socket.close() : socket.connectToServer()),
      );
      await page.reload();
      await workspace.openFile('main.py');
      await workspace.expectEditorToContain('ran locally');
      await workspace.typeAtEnd('\nprint("offline", 1 + 1)');
      await expect(page.locator('.run-panel__location')).toContainText('Local Docker');
      await workspace.editorLines.click();
      await page.keyboard.press('ControlOrMeta+Enter');
      await expect(workspace.runOutput).toContainText('offline 2', { timeout: 60_000 });
      // A project never opened on this device cannot open without the server, and says so.
      await page.goto(`/projects/${otherId}`);
      await expect(page.getByText('has not been opened on this device before, so it needs the server once')).toBeVisible();
      await page.goto(`/projects/${projectId}`);
      await workspace.openFile('main.py');
      await workspace.expectEditorToContain('print("offline", 1 + 1)');
      // Back online, the offline edit reaches the server.
      await shell.serverDown(false);
      blocked = false;
      await page.reload();
      await expect(workspace.status).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
      await expect
        .poll(
          async () => {
            const stored = await page.request.get(`${server}/api/projects/${projectId}/files/content?path=main.py`, {
              headers: { Authorization: `Bearer ${await accessToken(page, server, owner)}` },
            });
            return stored.text();
          },
          { timeout: 20_000 },
        )
        .toContain('print("offline", 1 + 1)');
    });

    await test.step('Change Server… asks in the native dialog; saying no changes nothing', async () => {
      await shell.command('changeServer');
      const dialog = page.getByRole('dialog', { name: 'Change server' });
      await expect(dialog.getByLabel('Server address')).toHaveValue(server);
      await dialog.getByLabel('Server address').fill('http://127.0.0.1:4999');
      await shell.answerServerChange(false);
      await dialog.getByRole('button', { name: 'Switch' }).click();
      await expect(dialog.getByRole('status')).toContainText(server);
      expect((await shell.state()).serverChangeQuestions).toEqual([{ from: server, to: 'http://127.0.0.1:4999' }]);
      expect(fs.existsSync(path.join(desktopShell.userData, 'session.bin'))).toBe(true);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toHaveCount(0);
      await auth.expectSignedIn(owner);
    });

    await test.step('saying yes switches, and the old server’s session is forgotten; switching back asks again', async () => {
      const settingsFile = path.join(desktopShell.userData, 'settings.json');
      await shell.command('changeServer');
      const dialog = page.getByRole('dialog', { name: 'Change server' });
      await dialog.getByLabel('Server address').fill('http://127.0.0.1:4999');
      await shell.answerServerChange(true);
      await dialog.getByRole('button', { name: 'Switch' }).click();
      await expect(page.getByText('On http://127.0.0.1:4999.')).toBeVisible();
      expect(fs.existsSync(path.join(desktopShell.userData, 'session.bin'))).toBe(false);
      expect((JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { serverUrl: string }).serverUrl).toBe('http://127.0.0.1:4999');
      await page.getByRole('button', { name: 'Change server…' }).click();
      await page.getByRole('dialog', { name: 'Change server' }).getByLabel('Server address').fill(server);
      await page.getByRole('dialog', { name: 'Change server' }).getByRole('button', { name: 'Switch' }).click();
      await expect(page.getByText(`On ${server}.`)).toBeVisible();
      expect((await shell.state()).serverChangeQuestions.at(-1)).toEqual({ from: 'http://127.0.0.1:4999', to: server });
    });

    await test.step('an invite link shows what it joins and joins only on Join', async () => {
      const token = await accessToken(page, server, owner);
      const invite = await page.request.post(`${server}/api/projects/${projectId}/invites`, {
        headers: { Authorization: `Bearer ${token}` },
        data: { role: 'editor' },
      });
      expect(invite.status()).toBe(201);
      const inviteToken = ((await invite.json()) as { token: string }).token;
      const guest = uniqueName('guest');
      await auth.register(guest);
      await auth.expectSignedIn(guest);
      await shell.openLink(`tandem://invite/${inviteToken}`);
      await expect(page.getByTestId('invite-summary')).toContainText(owner);
      await expect(page.getByTestId('invite-summary')).toContainText('Desk project');
      // Nothing is joined before the click.
      const before = await page.request.get(`${server}/api/projects/${projectId}`, {
        headers: { Authorization: `Bearer ${await accessToken(page, server, guest)}` },
      });
      expect(before.status()).toBe(404);
      await page.getByTestId('invite-join').click();
      await expect(page).toHaveURL(new RegExp(`/projects/${projectId}`));
      await expect(page.locator('[data-testid="tree-file"][data-path="main.py"]')).toBeVisible();
    });
  } finally {
    if (test.info().status !== test.info().expectedStatus) {
      await page.screenshot({ path: test.info().outputPath('desktop-failure.png') }).catch(() => undefined);
    }
    await context.close();
  }
});
