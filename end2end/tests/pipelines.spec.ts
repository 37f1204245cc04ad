import { test, expect } from '@playwright/test';
import { signIn, expectAccessible } from './helpers';

// A Capstan pipeline of `sh -c` tasks (no Python, no kfp): a producer writes an output
// parameter, a consumer reads it, then a loop over [1, 2]. It is uploaded, run from the form
// its parameters make, followed live on the run's page, and found in the run list.

const PIPELINE = `apiVersion: capstan.dev/v1
kind: Pipeline
name: e2e-count
description: A producer, a consumer and a loop, in sh.
parameters:
  greeting: {type: string, default: hello}
  times: {type: integer, default: 2}
tasks:
  - name: produce
    command: [sh, -c, 'echo "producing for $1"; printf 3 > "$0"', "{{outputs.parameters.n}}", "{{inputs.parameters.greeting}}"]
    inputs:
      parameters:
        greeting: "{{params.greeting}}"
    outputs:
      parameters: {n: integer}
  - name: consume
    command: [sh, -c, 'echo "consumed $0 times $1"', "{{inputs.parameters.n}}", "{{inputs.parameters.times}}"]
    inputs:
      parameters:
        n: "{{tasks.produce.outputs.parameters.n}}"
        times: "{{params.times}}"
  - name: square
    command: [sh, -c, 'echo "item $0"', "{{inputs.parameters.x}}"]
    inputs:
      parameters:
        x: "{{item}}"
    forEach: {items: [1, 2]}
    dependsOn: [consume]
`;

const FINISHED = 90_000;

test('a pipeline is uploaded, run from its form, followed live and listed', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const profile = `pl-${Date.now() % 100000}`;
  await signIn(page, '/pipelines');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);

  // An experiment to put the run in.
  await page.goto(`/experiments?ns=${profile}`);
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Name', { exact: true }).fill('e2e-exp');
  await page.getByRole('button', { name: 'Create experiment' }).click();
  await expect(page.locator('tr[data-experiment="e2e-exp"]')).toBeVisible();

  await page.goto(`/pipelines?ns=${profile}`);
  await expect(page.getByRole('heading', { name: 'No pipelines' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  // A document with a wrong reference is refused, the problem named by its path.
  await page.getByLabel('Or paste it').fill(PIPELINE.replace('tasks.produce.outputs', 'tasks.nope.outputs'));
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('upload-error')).toContainText('tasks[1].inputs.parameters.n');

  // The right one, uploaded as a file.
  await page.getByLabel('From a file').setInputFiles({
    name: 'e2e-count.yaml', mimeType: 'application/yaml', buffer: Buffer.from(PIPELINE),
  });
  await expect(page.getByLabel('Or paste it')).toHaveValue(PIPELINE);
  await page.getByRole('button', { name: 'Upload' }).click();
  const row = page.locator('tr[data-pipeline="e2e-count"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText('v1');
  await expect(page).toHaveTitle(/Pipelines/);
  await expectAccessible(page);

  // The version's page: graph, parameters, source, and the run form made from them.
  await row.getByRole('link', { name: 'e2e-count', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Pipeline e2e-count' })).toBeVisible();
  await expect(page.locator('g[data-node="produce"]')).toBeVisible();
  await expect(page.locator('g[data-node="square"]')).toBeVisible();
  await expect(page.getByTestId('parameters')).toContainText('NUMBER_INTEGER');
  await expect(page.getByTestId('pipeline-source')).toContainText('forEach');
  await expect(page.locator('#param-greeting')).toHaveValue('hello');
  await expect(page.locator('#param-times')).toHaveValue('2');
  await expect(page).toHaveTitle(/Pipeline e2e-count/);
  await expectAccessible(page);
  await page.waitForLoadState('networkidle');
  await page.locator('#param-greeting').fill('the e2e test');
  await page.locator('#param-times').fill('3');
  await page.getByLabel('Run name').fill('e2e-run');
  await page.locator('#run-experiment').selectOption('e2e-exp');
  await page.getByRole('button', { name: 'Start run' }).click();

  // The run's page, live: every node ends green.
  await expect(page).toHaveURL(/\/runs\/\d+/);
  const runId = page.url().match(/\/runs\/(\d+)/)![1];
  await expect(page.getByRole('heading', { level: 1, name: 'Run e2e-run' })).toBeVisible();
  await expect(page.getByTestId('run-overview')).toHaveAttribute('data-state', 'succeeded', { timeout: FINISHED });
  for (const node of ['produce', 'consume', 'square', 'square[0]/square', 'square[1]/square']) {
    await expect(page.locator(`g[data-node="${node}"]`)).toHaveAttribute('data-state', 'succeeded');
  }
  await expect(page.getByTestId('run-parameters')).toContainText('the e2e test');

  // A node opens the task panel: its output and its log.
  const panel = page.getByTestId('task-panel');
  await expect(async () => {
    await page.locator('g[data-node="produce"]').click();
    await expect(panel).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(panel.getByTestId('task-facts')).toHaveAttribute('data-state', 'succeeded');
  await expect(panel.getByTestId('task-outputs')).toContainText('3');
  await expect(panel.getByTestId('task-log')).toContainText('producing for the e2e test');
  await page.locator('g[data-node="consume"]').click();
  await expect(panel).toHaveAttribute('data-node', 'consume');
  await expect(panel.getByTestId('task-log')).toContainText('consumed 3 times 3');
  await expect(page).toHaveTitle(/Run \d+/);
  await expectAccessible(page);

  // The run list has it; so has its experiment.
  await page.goto(`/runs?ns=${profile}`);
  const listed = page.locator(`tr[data-run="${runId}"]`);
  await expect(listed).toBeVisible();
  await expect(listed).toHaveAttribute('data-state', 'succeeded');
  await expect(listed).toContainText('e2e-exp');
  await expect(page).toHaveTitle(/Runs/);
  await expectAccessible(page);
  await page.goto(`/runs?ns=${profile}&experiment=e2e-exp`);
  await expect(listed).toBeVisible();
  await page.goto(`/runs?ns=${profile}&state=failed`);
  await expect(page.getByRole('heading', { name: 'No runs' })).toBeVisible();

  expect(errors, errors.join('\n')).toEqual([]);
});
