import { expect, type Page } from '@playwright/test';

/** The project list. */
export class ProjectsPage {
  constructor(readonly page: Page) {}

  async create(name: string, template = 'python'): Promise<string> {
    await this.page.getByLabel('Project name').fill(name);
    await this.page.getByLabel('Template').selectOption(template);
    await this.page.getByRole('button', { name: 'Create project' }).click();
    await expect(this.page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
    return this.page.url().split('/').pop() as string;
  }

  row(name: string) {
    return this.page.getByTestId('project-row').filter({ hasText: name });
  }
}
