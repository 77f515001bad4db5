import { expect, type Locator, type Page } from '@playwright/test';

/** An open project: file tree, editor, run and terminal panels, status bar, share dialog. */
export class WorkspacePage {
  readonly editor: Locator;
  readonly status: Locator;
  readonly runOutput: Locator;
  readonly runStatus: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByTestId('editor');
    this.status = page.getByTestId('connection-status');
    this.runOutput = page.getByTestId('run-output');
    this.runStatus = page.getByTestId('run-status');
  }

  async open(projectId: string): Promise<void> {
    await this.page.goto(`/projects/${projectId}`);
  }

  async openFile(path: string): Promise<void> {
    await this.page.locator(`[data-testid="tree-file"][data-path="${path}"]`).click();
    await expect(this.page.locator(`[data-testid="editor"][data-path="${path}"]`)).toBeVisible();
    await expect(this.editorLines).toBeVisible();
  }

  get editorLines(): Locator {
    return this.editor.locator('.view-lines');
  }

  /**
   * What the editor shows, line by line. Monaco reuses line elements, so their order in the DOM is not the
   * text's: sort them by their position. It draws spaces as no-break spaces.
   */
  async editorText(): Promise<string> {
    const lines = await this.editorLines
      .locator('.view-line')
      .evaluateAll((elements) =>
        elements.map((element) => ({ top: parseFloat((element as HTMLElement).style.top), text: element.textContent ?? '' })),
      );
    return lines
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' '))
      .join('\n');
  }

  async expectEditorToContain(text: string, timeout = 5000): Promise<void> {
    await expect.poll(() => this.editorText(), { timeout }).toContain(text);
  }

  /** Puts the caret at the end of the document, then types. */
  async typeAtEnd(text: string): Promise<void> {
    await this.editorLines.click();
    await this.page.keyboard.press('ControlOrMeta+End');
    await this.page.keyboard.type(text);
  }

  remoteCursorLabel(username: string): Locator {
    return this.editor.locator('.remote-cursor-label', { hasText: username });
  }

  async share(login: string, role: 'owner' | 'editor' | 'viewer'): Promise<void> {
    await this.page.getByTestId('share-button').click();
    const dialog = this.page.getByRole('dialog', { name: 'Share project' });
    await dialog.getByLabel('Username or email').fill(login);
    await dialog.getByLabel('Role', { exact: true }).selectOption(role);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect(dialog.getByTestId('member').filter({ hasText: login })).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
  }

  async openTerminalPanel(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Terminal' }).click();
  }

  terminalScreen(): Locator {
    return this.page.locator('[data-testid="terminal-screen"]:visible');
  }
}
