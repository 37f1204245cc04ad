import { test, expect } from '@playwright/test';
import { signIn } from './helpers';

test('the page hydrates, subscribes to live updates and shows changes as they happen', async ({ page, browser }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await signIn(page);
  // "live" can only appear once the wasm has hydrated and the EventSource has connected.
  await expect(page.getByTestId('live-status')).toHaveText('live', { timeout: 15_000 });
  await expect(page.getByTestId('latest-event')).toHaveText('No changes since this page opened.');

  // Another sign-in of the same user is a change this user may see.
  const other = await browser.newContext();
  await signIn(await other.newPage());
  await expect(page.getByTestId('latest-event')).toHaveText('Latest: signed in admin');
  await other.close();

  expect(errors, errors.join('\n')).toEqual([]);
});
