import { test, expect } from '@playwright/test';
import { signIn, expectAccessible } from './helpers';

test('an admin creates a profile, shares it with a group and sees the audit log', async ({ page }) => {
  await signIn(page, '/profiles');
  const name = `team-${Date.now() % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel("Owner's email (blank: you)").fill('carol@example.com');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('link', { name })).toBeVisible();

  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name: `Profile ${name}` })).toBeVisible();
  await page.getByLabel('By').selectOption('group');
  await page.getByLabel('Email or group').fill('ml-team');
  await page.getByLabel('Role', { exact: true }).selectOption('edit');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('cell', { name: 'ml-team', exact: true })).toBeVisible();

  // Adding the same group again is refused with the reason.
  await page.getByLabel('By').selectOption('group');
  await page.getByLabel('Email or group').fill('ml-team');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('already a contributor');

  // The last owner cannot be removed.
  await page.getByRole('button', { name: 'Remove carol@example.com' }).click();
  await expect(page.getByRole('alert').first()).toContainText('at least one owner');

  await page.getByLabel('GPUs', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Save quota' }).click();
  await expect(page.getByText('0 of 2')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'contributor.add', exact: true }).first()).toBeVisible();
  await expectAccessible(page);
});

test('an API token is shown once and works as Bearer', async ({ page, playwright }) => {
  await signIn(page, '/settings');
  await page.getByLabel('Name').fill('ci');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByTestId('new-token').textContent();
  expect(secret).toMatch(/^capstan_/);
  await expectAccessible(page);

  const script = await playwright.request.newContext();
  const base = process.env.CAPSTAN_URL ?? 'http://127.0.0.1:8080';
  const me = await script.get(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).auth_method).toBe('token');

  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await page.getByRole('button', { name: 'Revoke ci' }).first().click();
  await expect(page.getByText('You have no tokens.')).toBeVisible();
  const after = await script.get(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  await script.dispose();
});
