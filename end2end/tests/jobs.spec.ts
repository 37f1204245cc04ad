import { test, expect } from '@playwright/test';
import { signIn, expectAccessible, waitForHydration } from './helpers';

// Training jobs in the browser: the form (more GPUs than a node has refused first, with the
// place in the manifest) starts a PyTorchJob whose master prints loss=… lines; its page shows
// it succeed, its conditions, its replica on a GPU, the master's log and the loss chart; it is
// listed. A PyTorchJob imported with runPolicy.suspend (a bad one refused first) waits
// suspended, is resumed, runs to its end and is deleted.

const HELD = `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: e2e-held
spec:
  runPolicy: {suspend: true}
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: Never
      template:
        spec:
          containers:
            - name: pytorch
              command: [python3, -c, "print('held then resumed')"]
`;

const FINISHED = 90_000;

test('a PyTorchJob from the form succeeds with its log and chart; an imported suspended one is resumed and deleted', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const profile = `jb-${Date.now() % 100000}`;
  await signIn(page, '/jobs');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);

  await page.goto(`/jobs?ns=${profile}`);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'No training jobs' })).toBeVisible();
  await page.getByLabel('Job name').fill('e2e-loss');
  await page.getByLabel('Kind').selectOption('PyTorchJob');
  await page.getByLabel('Command').fill("python3\n-c\nprint('loss=0.5'); print('loss=0.25')");
  await page.getByLabel('Workers').fill('0');
  await page.getByLabel('GPUs per replica').fill('4');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect(page.getByTestId('job-error')).toContainText(
    'spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources.limits',
  );

  await page.getByLabel('GPUs per replica').fill('1');
  await page.getByRole('button', { name: 'Start job' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Training job e2e-loss' })).toBeVisible();
  const overview = page.getByTestId('job-overview');
  await expect(overview).toHaveAttribute('data-state', 'succeeded', { timeout: FINISHED });
  await expect(overview).toContainText('Master 1');
  await expect(page.locator('tr[data-condition="Succeeded"]')).toBeVisible();
  const master = page.locator('tr[data-replica="master-0"]');
  await expect(master).toContainText('succeeded');
  await expect(master).toContainText(/GPU \d \(1000‰\)/);
  await expect(page.getByTestId('job-log')).toContainText('loss=0.25');
  await expect(page.getByTestId('job-metrics').getByRole('img', { name: /loss/ })).toBeVisible();
  await expect(page.getByTestId('job-manifest')).toContainText('kind: PyTorchJob');
  // Finished: nothing to suspend or resume.
  await expect(page.getByRole('button', { name: 'Suspend' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeDisabled();
  await expectAccessible(page);

  // Listed with its state and replicas.
  await page.getByRole('link', { name: '← Training jobs' }).click();
  const listed = page.locator('tr[data-job="e2e-loss"]');
  await expect(listed).toHaveAttribute('data-state', 'succeeded');
  await expect(listed).toContainText('Master 1');
  await expect(listed).toContainText('0 of 6');
  await expectAccessible(page);

  // Imported suspended: refused first for a bad run policy, with its path.
  await waitForHydration(page);
  const paste = page.getByLabel('Or paste it');
  await paste.fill(HELD.replace('{suspend: true}', '{suspend: true, backoffLimit: -1}'));
  await page.getByRole('button', { name: 'Import job' }).click();
  await expect(page.getByTestId('job-error')).toContainText('spec.runPolicy.backoffLimit');
  await paste.fill(HELD);
  await page.getByRole('button', { name: 'Import job' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Training job e2e-held' })).toBeVisible();
  const held = page.getByTestId('job-overview');
  await expect(held).toHaveAttribute('data-state', 'suspended');
  await expect(page.locator('tr[data-condition="Suspended"]')).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByRole('button', { name: 'Suspend' })).toBeDisabled();
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(held).toHaveAttribute('data-state', 'succeeded', { timeout: FINISHED });
  await expect(page.getByTestId('job-log')).toContainText('held then resumed');

  // Deleted from its page.
  await page.locator('details.confirm summary').click();
  await page.getByRole('button', { name: 'Delete e2e-held' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Training jobs' })).toBeVisible();
  await expect(page.locator('tr[data-job="e2e-held"]')).toHaveCount(0);
  await expect(page.locator('tr[data-job="e2e-loss"]')).toHaveCount(1);
  expect(errors).toEqual([]);
});
