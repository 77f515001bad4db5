import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { AuthPage, PASSWORD, uniqueName } from './pages/auth-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { WorkspacePage } from './pages/workspace-page.js';
import { requireChromium } from './support.js';

test.beforeEach(() => requireChromium());

interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  workspace: WorkspacePage;
  problems: string[];
}

async function person(browser: Browser, prefix: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  const name = uniqueName(prefix);
  await page.goto('/');
  const auth = new AuthPage(page);
  await auth.register(name);
  await auth.expectSignedIn(name);
  return { name, context, page, workspace: new WorkspacePage(page), problems };
}

test('two people edit, go offline, run and share a terminal; a viewer only watches', async ({ browser }) => {
  test.setTimeout(240_000);
  const a = await person(browser, 'ada');
  const b = await person(browser, 'bob');
  const c = await person(browser, 'cy');
  const everyone = [a, b, c];
  try {
    const projectId = await test.step('A creates a Python project and shares it: B as editor, C as viewer', async () => {
      const id = await new ProjectsPage(a.page).create('Pairing session', 'python');
      await a.workspace.openFile('main.py');
      await a.workspace.expectEditorToContain('print("Hello, world!")');
      await a.workspace.share(b.name, 'editor');
      await a.workspace.share(c.name, 'viewer');
      return id;
    });

    await test.step('both open main.py; what A types reaches B within a second, with A\u2019s labelled cursor', async () => {
      await b.workspace.open(projectId);
      await b.workspace.openFile('main.py');
      await expect(b.workspace.status).toHaveAttribute('data-state', 'online');
      await a.workspace.typeAtEnd('print("from A")');
      await b.workspace.expectEditorToContain('print("from A")', 1000);
      await expect(b.workspace.remoteCursorLabel(a.name)).toBeVisible();
      await expect(b.page.getByTestId('collaborator').filter({ hasText: a.name })).toBeVisible();
      await b.page.screenshot({ path: test.info().outputPath('b-sees-a.png') });
    });

    await test.step('B follows A: A\u2019s new file opens on B\u2019s screen, and A\u2019s return too; B\u2019s own click ends it', async () => {
      const chip = b.page.getByTestId('collaborator').filter({ hasText: a.name });
      await chip.click();
      await expect(chip).toContainText('following');
      await a.page.getByRole('button', { name: 'New file', exact: true }).click();
      await a.page.getByLabel('New file name').fill('notes.md');
      await a.page.keyboard.press('Enter');
      await expect(a.page.locator('[data-testid="editor"][data-path="notes.md"]')).toBeVisible();
      await expect(b.page.locator('[data-testid="editor"][data-path="notes.md"]')).toBeVisible({ timeout: 5000 });
      await a.workspace.openFile('main.py');
      await expect(b.page.locator('[data-testid="editor"][data-path="main.py"]')).toBeVisible({ timeout: 5000 });
      await b.workspace.editorLines.click();
      await expect(chip).not.toContainText('following');
    });

    await test.step('B goes offline, edits, reloads, edits again; back online, both converge with every character', async () => {
      await b.page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 15_000 });
      await b.context.setOffline(true);
      await expect(b.workspace.status).toHaveAttribute('data-state', 'offline');
      await b.workspace.typeAtEnd('\n# offline one');
      await expect(b.workspace.status).toContainText('waiting to sync');
      // A keeps typing meanwhile.
      await a.workspace.typeAtEnd('\nprint("A again")');
      await b.page.waitForTimeout(500); // the local copy is saved (debounced) before the reload
      await b.page.reload();
      await b.workspace.openFile('main.py');
      await b.workspace.expectEditorToContain('# offline one');
      await expect(b.workspace.status).toContainText('waiting to sync');
      await b.workspace.typeAtEnd('\n# offline two');
      await b.page.screenshot({ path: test.info().outputPath('b-offline.png') });
      await b.context.setOffline(false);
      await expect(b.workspace.status).toHaveAttribute('data-state', 'online', { timeout: 15_000 });
      await expect(b.workspace.status).toHaveAttribute('data-pending', '0', { timeout: 15_000 });
      for (const who of [a, b]) {
        for (const text of ['print("Hello, world!")', 'print("from A")', 'print("A again")', '# offline one', '# offline two']) {
          await who.workspace.expectEditorToContain(text, 10_000);
        }
      }
      expect(await a.workspace.editorText()).toBe(await b.workspace.editorText());
      const stored = await a.page.request.get(`/api/projects/${projectId}/files/content?path=main.py`, {
        headers: { Authorization: `Bearer ${await accessToken(a.page)}` },
      });
      const text = await stored.text();
      for (const line of ['print("from A")', 'print("A again")', '# offline one', '# offline two']) expect(text).toContain(line);
    });

    await test.step('A runs the file (Ctrl/Cmd+Enter) and sees its output stream in', async () => {
      await a.workspace.editorLines.click();
      await a.page.keyboard.press('ControlOrMeta+Enter');
      await expect(a.workspace.runOutput).toContainText('Hello, world!', { timeout: 60_000 });
      await expect(a.workspace.runOutput).toContainText('from A');
      await expect(a.workspace.runOutput).toContainText('A again');
      await expect(a.workspace.runStatus).toContainText('code 0', { timeout: 30_000 });
      await a.page.screenshot({ path: test.info().outputPath('a-run.png') });
    });

    await test.step('A opens a terminal and types echo hi; B sees it too', async () => {
      await a.workspace.openTerminalPanel();
      await a.page.getByTestId('new-terminal').click();
      await expect(a.workspace.terminalScreen()).toBeVisible({ timeout: 60_000 });
      await a.workspace.terminalScreen().click();
      await a.page.keyboard.type('echo hi-from-$((40+2))\n');
      await expect(a.workspace.terminalScreen()).toContainText('hi-from-42', { timeout: 20_000 });
      await b.workspace.openTerminalPanel();
      await b.page.getByTestId('terminal-tab').first().click();
      await expect(b.workspace.terminalScreen()).toContainText('hi-from-42', { timeout: 20_000 });
      await a.page.screenshot({ path: test.info().outputPath('a-terminal.png') });
    });

    await test.step('viewer C can type neither in the editor nor in the terminal', async () => {
      await c.workspace.open(projectId);
      await c.workspace.openFile('main.py');
      await c.workspace.expectEditorToContain('# offline two');
      const before = await c.workspace.editorText();
      await c.workspace.typeAtEnd('VIEWER WAS HERE');
      await c.page.waitForTimeout(500);
      expect(await c.workspace.editorText()).toBe(before);
      await expect(c.page.getByText('Viewer: read-only')).toBeVisible();
      await c.workspace.openTerminalPanel();
      await c.page.getByTestId('terminal-tab').first().click();
      await expect(c.workspace.terminalScreen()).toContainText('hi-from-42', { timeout: 20_000 });
      await c.workspace.terminalScreen().click();
      await c.page.keyboard.type('echo viewer-typed\n');
      await c.page.waitForTimeout(1000);
      await expect(a.workspace.terminalScreen()).not.toContainText('viewer-typed');
      await expect(a.workspace.editor).not.toContainText('VIEWER WAS HERE');
      await c.page.screenshot({ path: test.info().outputPath('c-viewer.png') });
    });

    for (const who of everyone) expect(who.problems, `${who.name}'s page errors`).toEqual([]);
  } finally {
    for (const who of everyone) {
      // Playwright keeps each context's trace on failure (trace: retain-on-failure); add what each person saw.
      if (test.info().status !== test.info().expectedStatus)
        await who.page.screenshot({ path: test.info().outputPath(`failure-${who.name}.png`) }).catch(() => undefined);
      await who.context.close();
    }
  }
});

/** An access token of the page's user (a new sign-in: rotating the page's own refresh token would sign it out). */
async function accessToken(page: Page): Promise<string> {
  const login = await page.getByTestId('signed-in-user').innerText();
  const response = await page.request.post('/api/auth/login', { data: { login, password: PASSWORD } });
  return ((await response.json()) as { accessToken: string }).accessToken;
}
