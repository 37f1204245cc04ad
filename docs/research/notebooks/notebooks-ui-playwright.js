const { chromium } = require('playwright-core');
(async () => {
  const base = 'http://127.0.0.1:18888/notebook/team-a/nb1/';
  const t0 = Date.now();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
  const ctx = await browser.newContext({ extraHTTPHeaders: { Authorization: 'token t0ken-abc123' } }); // stands in for the proxy's injected header
  const page = await ctx.newPage();
  const external = new Set(), failed = [];
  page.on('request', r => { const u = new URL(r.url()); if (u.hostname !== '127.0.0.1') external.add(r.url()); });
  page.on('response', r => { if (r.status() >= 400) console.log('HTTP', r.status(), r.url()); });
  page.on('requestfailed', r => failed.push(r.url() + ' ' + (r.failure() && r.failure().errorText)));
  page.on('console', m => { if (m.type() === 'error') console.log('console.error:', m.text().slice(0, 200)); });
  await page.goto(base + 'lab?reset');
  // Launcher card for a new Python notebook
  const card = page.locator('.jp-LauncherCard[data-category="Notebook"]').first();
  await card.waitFor({ timeout: 60000 });
  console.log('launcher visible after', Date.now() - t0, 'ms; title =', await card.getAttribute('title'));
  await card.click();
  await page.locator('.jp-NotebookPanel .jp-Notebook').waitFor();
  // wait until the kernel is idle (toolbar kernel status / notebook panel attribute)
  await page.waitForSelector('.jp-NotebookPanel [data-status="idle"], .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60000 });
  const editor = page.locator('.jp-NotebookPanel .jp-Cell .cm-content').first();
  await editor.click();
  await page.keyboard.type('1+1');
  await page.keyboard.press('Shift+Enter');
  await page.screenshot({path:'/tmp/pw/shot.png'}); console.log('cells:', await page.locator('.jp-NotebookPanel .jp-Cell').count(), JSON.stringify(await page.locator('.jp-NotebookPanel .jp-Notebook').innerText()));
  const out = page.locator('.jp-NotebookPanel .jp-OutputArea-output').first();
  await out.waitFor({ timeout: 30000 });
  console.log('output text =', JSON.stringify(await out.innerText()), 'after', Date.now() - t0, 'ms');
  console.log('prompt =', JSON.stringify(await page.locator('.jp-NotebookPanel .jp-OutputArea-prompt').first().innerText()));
  // save so the file is in the workspace
  await page.keyboard.press('Control+s');
  await page.waitForTimeout(1000);
  console.log('external requests:', [...external]);
  console.log('failed requests:', failed);
  await browser.close();
})().catch(async e => { try { await require('fs'); } catch(_){} console.error('FAIL', e.message.slice(0,300)); process.exit(1); });
