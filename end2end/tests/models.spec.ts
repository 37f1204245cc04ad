import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { signIn, expectAccessible, waitForHydration } from './helpers';

// Served models in the browser: a KServe InferenceService pasted (a bad one refused with the
// place of the error first) with a custom predictor — the echo server the serving tests use,
// so that no MLServer is needed — becomes ready; "Try it" sends a V2 request through the
// model router from the page and shows the answer; the revision takes all the traffic; the
// model is listed, then deleted.

const ECHO = path.resolve(__dirname, '../../server/tests/fixtures/echo_model.py');

const MANIFEST = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: e2e-echo
spec:
  predictor:
    containers:
      - name: kserve-container
        command: [python3, ${ECHO}]
        env: [{name: REVISION, value: "one"}]
`;

const READY = 60_000;

test('a custom model is imported, becomes ready, answers "Try it", and is deleted', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const profile = `md-${Date.now() % 100000}`;
  await signIn(page, '/models');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);

  await page.goto(`/models?ns=${profile}`);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'No models' })).toBeVisible();
  const paste = page.getByLabel('Or paste it');
  await paste.fill(MANIFEST.replace('    containers:', '    canaryTrafficPercent: 150\n    containers:'));
  await page.getByRole('button', { name: 'Import model' }).click();
  await expect(page.getByTestId('model-error')).toContainText(
    'spec.predictor.canaryTrafficPercent: 150 is not a percent between 0 and 100',
  );

  await paste.fill(MANIFEST);
  await page.getByRole('button', { name: 'Import model' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Model e2e-echo' })).toBeVisible();
  await expect(page.getByTestId('model-overview')).toHaveAttribute('data-state', 'ready', { timeout: READY });
  const revision = page.locator('tr[data-revision="1"]');
  await expect(revision).toHaveAttribute('data-traffic', '100');
  await expect(revision).toContainText('100%');
  await expect(page.locator('tr[data-replica][data-ready="true"]')).toHaveCount(1);
  await expect(page.getByTestId('model-events')).toContainText('revision 1 is ready');
  await expect(page.getByTestId('model-manifest')).toContainText('kind: InferenceService');

  // "Try it": the example request, sent from the page through the router.
  const tryIt = page.getByTestId('try-it');
  await expect(tryIt.getByLabel('Request body (JSON)')).toHaveValue(/"inputs"/);
  await tryIt.getByRole('button', { name: 'Send' }).click();
  await expect(tryIt.getByTestId('try-status')).toHaveText('Status 200');
  await expect(tryIt.getByTestId('try-answer')).toContainText('"revision": "one"');
  await expect(tryIt.getByTestId('try-answer')).toContainText('"path": "/v2/models/e2e-echo/infer"');

  // A replica's log opens beside the page.
  await page.getByRole('button', { name: /^Log of e2e-echo-1-/ }).click();
  await expect(page.getByTestId('replica-log')).toBeVisible();
  await page.getByRole('button', { name: "Close the replica's log" }).click();
  await expect(page).toHaveTitle(/Model e2e-echo/);
  await expectAccessible(page);

  // Listed with its state and traffic.
  await page.getByRole('link', { name: '← Models' }).click();
  const listed = page.locator('tr[data-model="e2e-echo"]');
  await expect(listed).toContainText('ready');
  await expect(listed.getByTestId('model-traffic')).toHaveText('r1 100%');
  await expectAccessible(page);

  // Deleted from its page.
  await listed.getByRole('link', { name: 'e2e-echo' }).click();
  await waitForHydration(page);
  await page.locator('details.confirm summary').click();
  await page.getByRole('button', { name: 'Delete e2e-echo' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Models' })).toBeVisible();
  await expect(page.locator('tr[data-model="e2e-echo"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});
