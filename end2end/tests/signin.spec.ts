import { test, expect } from '@playwright/test';
import { signIn, expectAccessible, adminPassword } from './helpers';

test('a visitor who is not signed in is sent to the sign-in page and back', async ({ page }) => {
  await page.goto('/runs?ns=team-a');
  await expect(page).toHaveURL(/\/login\?next=%2Fruns%3Fns%3Dteam-a$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Capstan' })).toBeVisible();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/runs\?ns=team-a$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Runs' })).toBeVisible();
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login\?error=invalid/);
});

test('the sign-in page is accessible', async ({ page }) => {
  await page.goto('/login');
  await expectAccessible(page);
});

test('signing out ends the session on the server, not only in the browser', async ({ page, context }) => {
  await signIn(page);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'capstan_session');
  expect(session, 'a session cookie after sign-in').toBeTruthy();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe('Lax');

  const before = await page.request.get('/api/v1/whoami');
  expect(before.status()).toBe(200);
  expect((await before.json()).user).toBe('admin');

  await page.locator('.user-menu summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // Replaying the old cookie must not work: the session is gone from the database.
  const replay = await page.request.get('/api/v1/whoami', {
    headers: { cookie: `capstan_session=${session!.value}` },
  });
  expect(replay.status()).toBe(401);
  expect((await replay.json()).error).toBe('unauthenticated');
});

test('a sign-in form posted from another site is refused', async ({ page }) => {
  const response = await page.request.post('/auth/local', {
    form: { username: 'admin', password: adminPassword },
    headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
});
