import { test, expect, type Page } from '@playwright/test';
import { expectAccessible, signInWithProvider } from './helpers';

// The harness starts a real OpenID Connect provider (the npm package oidc-provider) with two
// users, and Capstan with self-registration on: each user gets a profile of their own.

async function selectorOptions(page: Page) {
  await page.goto('/profiles');
  return page.locator('#ns option').allTextContents();
}

test('the sign-in page offers the provider and the admin form, and is accessible', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('link', { name: 'Sign in with your organisation' })).toBeVisible();
  await expect(page.getByLabel('Username')).toBeVisible();
  await expectAccessible(page);
});

test('a wrong password at the provider is refused there', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Sign in with your organisation' }).click();
  await page.locator('input[name=login]').fill('alice@example.com');
  await page.locator('input[name=password]').fill('wrong');
  await page.locator('button[type=submit]').click();
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password.');
});

test('two users see only their own profiles, and a signed-out session is dead', async ({ browser }) => {
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const alice = await aliceContext.newPage();
  const bob = await bobContext.newPage();
  await signInWithProvider(alice, 'alice@example.com', 'alice-password');
  await signInWithProvider(bob, 'bob@example.com', 'bob-password');

  const aliceSees = await selectorOptions(alice);
  expect(aliceSees).toContain('alice (owner)');
  expect(aliceSees.join(' ')).not.toContain('bob');
  const bobSees = await selectorOptions(bob);
  expect(bobSees).toContain('bob (owner)');
  expect(bobSees.join(' ')).not.toContain('alice');

  // Guessing the other's profile shows nothing of it, in the page and in the API.
  await alice.goto('/profiles?ns=bob');
  await expect(alice.getByRole('alert')).toContainText('no profile `bob`');
  expect((await alice.request.get('/api/v1/profiles/bob')).status()).toBe(404);
  await alice.goto('/profiles?ns=alice');
  await expect(alice.getByRole('heading', { name: 'Profile alice' })).toBeVisible();
  await expectAccessible(alice);

  const session = (await aliceContext.cookies()).find((c) => c.name === 'capstan_session');
  expect(session, 'a session cookie').toBeTruthy();
  await alice.locator('.user-menu summary').click();
  await alice.getByRole('button', { name: 'Sign out' }).click();
  // RP-initiated logout: the provider asks to confirm, then sends the browser back.
  await alice.locator('#logout-yes').click();
  await expect(alice).toHaveURL(/\/login/);

  const stranger = await browser.newContext();
  await stranger.addCookies([session!]);
  expect((await stranger.request.get('/api/v1/whoami')).status()).toBe(401);
  // Bob is still signed in.
  expect((await bob.request.get('/api/v1/whoami')).status()).toBe(200);
  await Promise.all([aliceContext.close(), bobContext.close(), stranger.close()]);
});
