import { test, expect } from '@playwright/test';
import { signIn, expectAccessible } from './helpers';

const sections = [
  ['Home', '/'],
  ['Notebooks', '/notebooks'],
  ['Pipelines', '/pipelines'],
  ['Runs', '/runs'],
  ['Experiments', '/experiments'],
  ['Models', '/models'],
  ['Training jobs', '/jobs'],
  ['GPUs & queue', '/gpus'],
  ['Profiles', '/profiles'],
  ['Settings', '/settings'],
];

test('the layout has every section, the profile selector and the user menu', async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [label, path] of sections) {
    await expect(nav.getByRole('link', { name: label, exact: true })).toHaveAttribute('href', path);
  }
  await expect(page.getByLabel('Profile')).toBeVisible();
  await expect(page.locator('.user-menu summary')).toHaveText('admin (admin)');
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
});

test('every section is accessible, and those without data say honestly that they are empty', async ({ page }) => {
  await signIn(page);
  for (const [label, path] of sections) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
    await expect(page.getByRole('link', { name: label, exact: true })).toHaveAttribute('aria-current', 'page');
    // Each page names itself in the title (a lazily loaded page sets it again once its code is in).
    await expect(page).toHaveTitle(`${label} · Capstan`);
    // Home, GPUs & queue, Profiles and Settings have content of their own.
    if (!['/', '/gpus', '/profiles', '/settings'].includes(path)) {
      await expect(page.locator('.empty-state')).toBeVisible();
    }
    await expectAccessible(page);
  }
});

test('the selected profile stays in the URL across navigation', async ({ page }) => {
  await signIn(page);
  const made = await page.request.post('/api/v1/profiles', { data: { name: 'team-a' } });
  expect([201, 409]).toContain(made.status());
  await page.goto('/?ns=team-a');
  await expect(page.getByLabel('Profile')).toHaveValue('team-a');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipelines' }).click();
  await expect(page).toHaveURL(/\/pipelines\?ns=team-a$/);
});

test('the keyboard reaches the skip link first and it moves focus to the content', async ({ page }) => {
  await signIn(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
});

test('pages are readable without JavaScript, sign-in included', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await expect(page.getByRole('heading', { name: 'No models' })).toBeVisible();
  // Without hydration there is no live connection, and the page says so.
  await page.goto('/');
  await expect(page.getByTestId('live-status')).toHaveText('offline');
  await context.close();
});

test('pages carry the security headers', async ({ page }) => {
  await signIn(page);
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});
