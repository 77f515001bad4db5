import type { Locator, Page } from '@playwright/test';

/** The page the server serves at / (a placeholder until the IDE lands). */
export class HomePage {
  readonly heading: Locator;
  readonly serverStatus: Locator;
  readonly databaseStatus: Locator;
  readonly dockerStatus: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.serverStatus = page.getByTestId('server-status');
    this.databaseStatus = page.getByTestId('database-status');
    this.dockerStatus = page.getByTestId('docker-status');
  }

  async open(): Promise<void> {
    await this.page.goto('/');
  }
}
