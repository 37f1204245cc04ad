import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const adminPassword = process.env.CAPSTAN_ADMIN_PASSWORD ?? '';

/** Signs in as the built-in admin through the sign-in page's form. */
export async function signIn(page: Page, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

/** Waits until the page has hydrated (the layout marks it): before that, a click on a form's
 * button submits it the plain HTML way. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('.frame')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
}

/** Fails with the list of violations when axe-core finds any accessibility problem. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const problems = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(problems, problems.join('\n')).toEqual([]);
}

/** Signs in through the test OpenID provider (started by the harness) as one of its users. */
export async function signInWithProvider(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Sign in with your organisation' }).click();
  // The provider's own login page.
  await expect(page).toHaveURL(new RegExp(`^${process.env.OIDC_ISSUER}/interaction/`));
  await page.locator('input[name=login]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}
