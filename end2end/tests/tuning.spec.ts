import { test, expect } from '@playwright/test';
import { signIn, expectAccessible, waitForHydration } from './helpers';

// Tuning experiments in the browser: a Katib manifest pasted (a bad one refused with the
// place of the error first) runs to its end, followed live; its page shows the trials with
// the best marked, the charts, a trial's metric history and output. The form starts another,
// which is stopped, resumed and deleted.

const MANIFEST = `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: e2e-tune
spec:
  objective:
    type: maximize
    objectiveMetricName: accuracy
  algorithm:
    algorithmName: random
  parallelTrialCount: 2
  maxTrialCount: 6
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.1", max: "0.9"}
    - name: optimizer
      parameterType: categorical
      feasibleSpace: {list: [sgd, adam]}
  trialTemplate:
    trialParameters:
      - {name: lr, reference: lr}
      - {name: optimizer, reference: optimizer}
    command: [sh, -c, 'echo "optimizer \${trialParameters.optimizer}"; echo accuracy=0.5; echo accuracy=\${trialParameters.lr}']
`;

const FINISHED = 90_000;

test('a Katib experiment is imported, followed live, and its trials explored', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const profile = `tn-${Date.now() % 100000}`;
  await signIn(page, '/experiments');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);

  await page.goto(`/experiments?ns=${profile}`);
  await waitForHydration(page);
  const paste = page.getByLabel('Or paste it');
  await paste.fill(MANIFEST.replace('min: "0.1"', 'min: "2"'));
  await page.getByRole('button', { name: 'Import experiment' }).click();
  await expect(page.getByTestId('tuning-error')).toContainText('spec.parameters[0].feasibleSpace: min (2) is above max (0.9)');

  await paste.fill(MANIFEST);
  await page.getByRole('button', { name: 'Import experiment' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Experiment e2e-tune' })).toBeVisible();
  const overview = page.getByTestId('tuning-overview');
  await expect(overview).toHaveAttribute('data-state', 'succeeded', { timeout: FINISHED });
  await expect(overview).toContainText('all 6 trials (maxTrialCount) have run');

  const rows = page.locator('table.trials tbody tr');
  await expect(rows).toHaveCount(6);
  const best = page.locator('table.trials tr.best');
  await expect(best).toHaveCount(1);
  await expect(best).toContainText('best');
  await expect(page.getByTestId('objective-chart')).toBeVisible();
  await expect(page.getByTestId('parallel-coordinates')).toBeVisible();
  await expect(page.locator('.pc-line')).toHaveCount(6);

  // A trial's metric history (two reports of accuracy) and its output.
  await best.getByRole('button').click();
  const panel = page.getByTestId('trial-panel');
  await expect(panel.getByTestId('metric-history')).toBeVisible();
  await expect(panel.getByTestId('trial-log')).toContainText('accuracy=');
  await expect(page).toHaveTitle(/Experiment e2e-tune/);
  await expectAccessible(page);

  // Listed with its kind and best value.
  await page.getByRole('link', { name: '← Experiments' }).click();
  const listed = page.locator('tr[data-experiment="e2e-tune"]');
  await expect(listed).toContainText('tuning (random)');
  await expect(listed).toContainText('succeeded');
  await expectAccessible(page);

  // The form: slow trials, stopped, resumed, deleted.
  await waitForHydration(page);
  await page.getByLabel('Experiment name').fill('e2e-form');
  await page.getByLabel('Metric', { exact: true }).fill('loss');
  await page.getByLabel('Objective').selectOption('minimize');
  await page.getByLabel('Algorithm').selectOption('tpe');
  await page.getByLabel('Parameters').fill('x double -1 1\nk int 1 3');
  await page.getByLabel('Command').fill('sh\n-c\nsleep 3; echo loss=${trialParameters.x}');
  await page.getByRole('button', { name: 'Start experiment' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Experiment e2e-form' })).toBeVisible();
  await expect(page.locator('table.trials tbody tr')).toHaveCount(3);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('tuning-overview')).toHaveAttribute('data-state', 'stopped');
  await expect(page.locator('table.trials tr[data-state="killed"]')).toHaveCount(3, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('tuning-overview')).toHaveAttribute('data-state', 'running');
  await expect(page.locator('table.trials tr[data-state="running"]')).toHaveCount(3, { timeout: 30_000 });
  await page.locator('details.confirm summary').click();
  await page.getByRole('button', { name: 'Delete e2e-form' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Experiments' })).toBeVisible();
  await expect(page.locator('tr[data-experiment="e2e-form"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});
