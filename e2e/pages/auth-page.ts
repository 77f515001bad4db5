import { expect, type Locator, type Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple 42';

/** A unique username per test run (the e2e database lives as long as the run's server). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
}

/** The sign-in / create-account screen. */
export class AuthPage {
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.error = page.getByRole('alert');
  }

  async register(username: string, password = PASSWORD): Promise<void> {
    await this.page.getByRole('tab', { name: 'Create account' }).click();
    await this.page.getByLabel('Username', { exact: true }).fill(username);
    await this.page.getByLabel('Email').fill(`${username}@example.com`);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Create account', exact: true }).click();
  }

  async signIn(login: string, password = PASSWORD): Promise<void> {
    await this.page.getByRole('tab', { name: 'Sign in' }).click();
    await this.page.getByLabel('Username or email').fill(login);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async expectSignedIn(username: string): Promise<void> {
    await expect(this.page.getByTestId('signed-in-user')).toHaveText(username);
  }
}
