import { test, expect } from '@playwright/test';
import { signIn, expectAccessible } from './helpers';

// `cargo xtask e2e` starts the server with CAPSTAN_GPUS=2xH100:81920: two simulated GPUs.

test('the GPUs page shows the simulated GPUs and who holds them, live', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await signIn(page, '/gpus');
  await expect(page.getByRole('heading', { level: 1, name: 'GPUs & queue' })).toBeVisible();
  await expect(page.locator('.badge', { hasText: 'simulated' })).toBeVisible();
  const gpus = page.getByTestId('gpu');
  await expect(gpus).toHaveCount(2);
  await expect(gpus.first()).toContainText('H100');
  await expect(gpus.first()).toContainText('80 GiB');
  await expect(page.getByRole('img', { name: /^GPU 0 \(H100\): 0 of 1000 milli in use/ })).toBeVisible();
  await expectAccessible(page);

  // Once the page listens to the event stream, a workload placed on a GPU shows up by itself.
  await expect(page.getByTestId('gpus-live')).toHaveText('live', { timeout: 15_000 });
  const profile = `gpus-${Date.now() % 100000}`;
  const made = await page.request.post('/api/v1/profiles', { data: { name: profile } });
  expect(made.status()).toBe(201);
  const stop = () => page.request.post(`/api/v1/profiles/${profile}/workloads/hold/stop`);
  const submitted = await page.request.post(`/api/v1/profiles/${profile}/workloads`, {
    data: {
      name: 'hold',
      kind: 'step',
      groups: [{ name: 'main', command: ['sh', '-c', 'sleep 60'], resources: { gpus: 1 } }],
    },
  });
  expect(submitted.status(), await submitted.text()).toBe(201);
  try {
    await expect(page.getByText(`${profile} / hold (1000 milli)`)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('heading', { name: `Profile ${profile}` })).toBeVisible();

    const stopped = await stop();
    expect(stopped.status(), await stopped.text()).toBe(200);
    await expect(page.getByText(`${profile} / hold (1000 milli)`)).toHaveCount(0, { timeout: 15_000 });
  } finally {
    // Nothing of this test may still run (and send events) while the next tests run.
    await stop();
  }

  expect(errors, errors.join('\n')).toEqual([]);
});
