import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { signIn, signInWithProvider, expectAccessible, waitForHydration } from './helpers';

// A real JupyterLab (the virtualenv `cargo xtask` installs) spawned by Capstan's local runtime,
// created from the spawner form, opened through the authorizing proxy, with a cell run in a
// real kernel over the proxied WebSocket.

const READY = 120_000;

/** Runs `code` in a new kernel from inside a page served under the notebook's path, over the
 * browser's own WebSocket through Capstan's proxy; answers the text/plain result. */
async function runCell(page: Page, base: string, code: string): Promise<string> {
  return page.evaluate(async ({ base, code }) => {
    const made = await fetch(`${base}api/kernels`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'python3' }),
    });
    if (made.status !== 201) throw new Error(`kernel: ${made.status} ${await made.text()}`);
    const kernel = (await made.json()).id;
    const url = `${location.origin.replace(/^http/, 'ws')}${base}api/kernels/${kernel}/channels?session_id=e2e`;
    const socket = new WebSocket(url);
    const msgId = `cell-${Math.random()}`;
    return await new Promise<string>((resolve, reject) => {
      let result = '';
      const timer = setTimeout(() => reject(new Error('no reply from the kernel')), 60_000);
      socket.onerror = () => reject(new Error('the WebSocket failed'));
      socket.onopen = () => socket.send(JSON.stringify({
        header: { msg_id: msgId, username: 'e2e', session: 'e2e', msg_type: 'execute_request', version: '5.3', date: '' },
        parent_header: {}, metadata: {}, channel: 'shell', buffers: [],
        content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      }));
      socket.onmessage = (event) => {
        const reply = JSON.parse(event.data);
        if (reply.parent_header?.msg_id !== msgId) return;
        if (reply.msg_type === 'execute_result') result = reply.content.data['text/plain'];
        if (reply.msg_type === 'error') reject(new Error(reply.content.evalue));
        if (reply.msg_type === 'status' && reply.content.execution_state === 'idle') {
          clearTimeout(timer);
          socket.close();
          resolve(result);
        }
      };
    });
  }, { base, code });
}

/** Pids of the processes whose environment names the workload and its profile (the runtime
 * sets both; ids alone repeat across servers, and notebooks outlive the server that started them). */
function processesOf(workloadId: number, profile: string): number[] {
  const markers = [`CAPSTAN_WORKLOAD_ID=${workloadId}`, `CAPSTAN_PROFILE=${profile}`];
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return markers.every((m) => env.includes(m));
    } catch {
      return false;
    }
  });
}

/** The status a WebSocket upgrade to `path` gets with the given cookies (101 when accepted). */
function upgradeStatus(path: string, cookie: string, origin: string): Promise<number> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search,
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', Origin: origin, Cookie: cookie,
        'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    request.on('upgrade', (response, socket) => { socket.destroy(); resolve(response.statusCode ?? 0); });
    request.on('response', (response) => { response.resume(); resolve(response.statusCode ?? 0); });
    request.on('error', reject);
    request.end();
  });
}

test('a notebook is created in the browser, runs a cell through the proxy, stops and keeps its workspace', async ({ page, browser, baseURL }) => {
  test.setTimeout(6 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const profile = `nbs-${Date.now() % 100000}`;
  await signIn(page, '/notebooks');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);
  await page.goto(`/notebooks?ns=${profile}`);
  await expect(page.getByRole('heading', { name: 'No notebooks' })).toBeVisible();
  await expectAccessible(page);

  // The spawner form, with the administrator's defaults filled in.
  await expect(page.getByLabel('Memory (GiB)')).toHaveValue('1');
  await page.getByLabel('Name').fill('lab');
  await page.getByLabel('CPU (cores)').fill('0.25');
  await page.getByRole('button', { name: 'Start notebook' }).click();
  const row = page.locator('tr[data-notebook="lab"]');
  await expect(row).toBeVisible();
  // The list follows the notebook through the event stream: no reload.
  await expect(row).toHaveAttribute('data-state', 'ready', { timeout: READY });
  await expect(row).toContainText('JupyterLab');
  await expectAccessible(page);

  // Connect opens JupyterLab through the proxy, in a new tab; its own links work under it.
  const [lab] = await Promise.all([
    page.context().waitForEvent('page'),
    row.getByRole('link', { name: 'Connect to lab' }).click(),
  ]);
  const base = `/notebook/${profile}/lab/`;
  await expect(lab).toHaveURL(new RegExp(`${base}lab`), { timeout: 30_000 });
  await expect(lab.locator('.jp-LauncherCard').first()).toBeVisible({ timeout: 60_000 });
  expect(await runCell(lab, base, '1+1')).toBe('2');
  await runCell(lab, base, "open('kept.txt', 'w').write('still here')");
  await lab.close();

  // Someone without a role in the profile gets 403, for HTTP and for WebSocket.
  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signInWithProvider(bob, 'bob@example.com', 'bob-password');
  expect((await bob.request.get(`${base}api/status`)).status()).toBe(403);
  const bobCookies = (await bobContext.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  expect(await upgradeStatus(`${base}api/events/subscribe`, bobCookies, baseURL!)).toBe(403);
  await bobContext.close();
  // The admin's own upgrade goes through, so the 403 above is the authorization's.
  const adminCookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  expect(await upgradeStatus(`${base}api/events/subscribe`, adminCookies, baseURL!)).toBe(101);

  // The detail page: overview, events, logs, the spec as YAML.
  await row.getByRole('link', { name: 'lab', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notebook lab' })).toBeVisible();
  await expect(page.getByTestId('notebook-overview')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('notebook-yaml')).toContainText('cpu_milli: 250');
  await expect(page.getByRole('cell', { name: 'running', exact: true })).toBeVisible();
  await expectAccessible(page);

  // Stop: its processes are gone, its workspace stays.
  const workload = await (await page.request.get(`/api/v1/profiles/${profile}/workloads/nb-lab`)).json();
  const id: number = workload.status.id;
  expect(processesOf(id, profile).length).toBeGreaterThan(0);
  await page.goto(`/notebooks?ns=${profile}`);
  await row.getByRole('button', { name: 'Stop lab' }).click();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
  await expect.poll(() => processesOf(id, profile).length, { timeout: 30_000 }).toBe(0);
  expect((await page.request.get(`${base}api/status`)).status()).toBe(503);

  // Start again: the file written in the workspace is there.
  await row.getByRole('button', { name: 'Start lab' }).click();
  await expect(row).toHaveAttribute('data-state', 'ready', { timeout: READY });
  const kept = await page.request.get(`${base}api/contents/kept.txt?content=1`);
  expect(kept.status()).toBe(200);
  expect((await kept.json()).content).toBe('still here');

  // Delete, after confirming.
  await row.locator('details.confirm summary').click();
  await row.getByRole('button', { name: 'Delete lab' }).click();
  await expect(row).toHaveCount(0, { timeout: 30_000 });
  expect(errors, errors.join('\n')).toEqual([]);
});

test('the spawner form refuses bad input with the reason and can be filled from a Kubeflow manifest', async ({ page }) => {
  const profile = `nbf-${Date.now() % 100000}`;
  await signIn(page, '/notebooks');
  expect((await page.request.post('/api/v1/profiles', { data: { name: profile } })).status()).toBe(201);
  await page.goto(`/notebooks?ns=${profile}`);
  await expect(page.getByRole('button', { name: 'Start notebook' })).toBeVisible();
  await waitForHydration(page);

  // More GPUs than any node has: refused, nothing listed.
  await page.getByLabel('Name').fill('greedy');
  await page.getByLabel('GPUs', { exact: true }).fill('8');
  await page.getByRole('button', { name: 'Start notebook' }).click();
  await expect(page.getByRole('alert')).toContainText('GPU');
  await expect(page.locator('tr[data-notebook="greedy"]')).toHaveCount(0);

  // A manifest as Kubeflow's web app writes it, uploaded as a file, fills the form.
  await page.getByText('Fill from a Kubeflow Notebook manifest').click();
  const manifest = [
    'apiVersion: kubeflow.org/v1',
    'kind: Notebook',
    'metadata:',
    '  name: imported',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: imported',
    '        image: ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0',
    '        resources:',
    '          requests: {cpu: "1.5", memory: 2Gi}',
  ].join('\n');
  await page.getByLabel('Or upload it').setInputFiles({
    name: 'imported.yaml', mimeType: 'application/yaml', buffer: Buffer.from(manifest),
  });
  await expect(page.getByLabel('Manifest (YAML or JSON, kubeflow.org/v1)')).toHaveValue(manifest);
  await page.getByRole('button', { name: 'Fill the form' }).click();
  await expect(page.getByLabel('Name')).toHaveValue('imported');
  await expect(page.getByLabel('CPU (cores)')).toHaveValue('1.5');
  await expect(page.getByLabel('Memory (GiB)')).toHaveValue('2');
  await expectAccessible(page);
});
