// Dashboard access: the token, Host and Origin checks over raw HTTP and websockets, `halt --url`, and a hostile page in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DashboardState, startDashboardServer, type DashboardServer } from '../../src/report/dashboard/index.js';
import { haltCommand } from '../../src/cli/commands/halt.js';
import { UserError } from '../../src/core/index.js';

const CHROMIUM = '/usr/bin/chromium';

async function dashboard(): Promise<{ server: DashboardServer; dir: string; halt: string; state: DashboardState }> {
  const dir = mkdtempSync(join(tmpdir(), 'dash-access-'));
  const state = new DashboardState('live', 'access test');
  state.stats = { ...state.stats, trading_state: 'active', inventory: 0.0123, cash: 4321.5, equity: 5555.5, mid: 100_000 };
  state.addPoint({ t: Math.floor(Date.now() / 1000), mid: 100_000, bid: 99_999, ask: 100_001 });
  const halt = join(dir, 'HALT');
  const server = await startDashboardServer({ port: 0, title: 'access test', state, haltPath: halt, runsDir: join(dir, 'runs'), tokenDir: dir, pushMs: 50 });
  return { server, dir, halt, state };
}

/** A raw request with whatever Host and Origin a hostile client would send. */
function raw(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsOutcome(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('message', () => {
      resolve('message');
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

test('every request checks Host and Origin; reads, acts and the websocket need the per-run token', async () => {
  const { server, dir, halt } = await dashboard();
  const p = server.port;
  const host = `127.0.0.1:${p}`;
  const bearer = { authorization: `Bearer ${server.token}` };
  try {
    assert.equal(statSync(server.tokenFile!).mode & 0o777, 0o600, 'the token file is readable by its owner only');
    assert.equal(readFileSync(server.tokenFile!, 'utf8').trim(), server.token);
    assert.match(server.openUrl, new RegExp(`^http://127\\.0\\.0\\.1:${p}/\\?token=[A-Za-z0-9_-]{32}$`));

    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 still sends its own Host.
    for (const h of ['evil.example', `evil.example:${p}`, `127.0.0.1:${p + 1}`, `127.0.0.1.evil.example:${p}`]) {
      const r = await raw(p, 'GET', '/api/state', { host: h, ...bearer });
      assert.equal(r.status, 421, h);
      assert.doesNotMatch(r.body, /equity|inventory/);
    }
    // Another origin, even with the token (a page cannot have it, but it would not help): refused.
    for (const origin of ['http://evil.example', `http://127.0.0.1:${p + 1}`, `http://localhost:${p + 1}`, 'null']) {
      const r = await raw(p, 'POST', '/halt', { host, origin, ...bearer });
      assert.equal(r.status, 403, origin);
    }
    assert.equal((await raw(p, 'GET', '/api/state', { host, 'sec-fetch-site': 'cross-site', ...bearer })).status, 403);
    // No token: no state, no halt, no page; /healthz only.
    assert.equal((await raw(p, 'GET', '/api/state', { host })).status, 401);
    assert.equal((await raw(p, 'POST', '/halt', { host })).status, 401);
    assert.equal((await raw(p, 'POST', '/halt', { host, authorization: 'Bearer wrong-token' })).status, 401);
    const locked = await raw(p, 'GET', '/', { host });
    assert.equal(locked.status, 401);
    assert.match(locked.body, /needs its token/);
    assert.equal(existsSync(halt), false, 'nothing above halted anything');
    const health = await raw(p, 'GET', '/healthz', { host: `localhost:${p}` });
    assert.equal(health.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(health.body) as object).sort(), ['ok', 'trading_state', 'updated_utc', 'uptime_s']);

    // The URL printed at start: the token goes into a cookie for this port only, and out of the address bar.
    const opened = await raw(p, 'GET', `/?token=${server.token}`, { host });
    assert.equal(opened.status, 303);
    assert.equal(opened.headers['location'], '/');
    const setCookie = String(opened.headers['set-cookie']);
    assert.match(setCookie, new RegExp(`^mm_dashboard_${p}=${server.token}; HttpOnly; SameSite=Strict; Path=/$`));
    const cookie = setCookie.split(';')[0]!;
    assert.equal((await raw(p, 'GET', '/', { host, cookie })).status, 200);
    assert.equal((await raw(p, 'GET', '/api/state', { host, cookie, origin: `http://127.0.0.1:${p}` })).status, 200);

    // The websocket: the token (cookie or header) and the Origin.
    const ws = `ws://127.0.0.1:${p}/ws`;
    assert.equal(await wsOutcome(ws, {}), 'refused 401');
    assert.equal(await wsOutcome(ws, { origin: 'http://evil.example', cookie }), 'refused 403');
    assert.equal(await wsOutcome(ws, { origin: `http://localhost:${p}`, cookie, host: `evil.example:${p}` }), 'refused 421');
    assert.equal(await wsOutcome(ws, { origin: `http://127.0.0.1:${p}`, cookie }), 'message');

    // halt --url: the token from the URL printed at start, or from the token file beside the ledger.
    await assert.rejects(haltCommand({ url: `http://127.0.0.1:${p}`, haltFile: join(tmpdir(), 'nowhere', 'HALT') }, {}), (e: unknown) => e instanceof UserError && /needs its token/.test(e.message));
    await assert.rejects(haltCommand({ url: `http://127.0.0.1:${p}/?token=stale-token-of-an-earlier-run` }, {}), (e: unknown) => e instanceof UserError && /refused the token/.test(e.message));
    assert.equal(existsSync(halt), false);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string): boolean => out.push(s) > 0) as unknown as typeof process.stdout.write;
    try {
      await haltCommand({ url: `http://127.0.0.1:${p}`, ledger: join(dir, 'ledger.sqlite'), reason: 'from the command line' }, {});
    } finally {
      process.stdout.write = write;
    }
    assert.equal(readFileSync(halt, 'utf8').split('\n')[0], 'dashboard: from the command line', 'the reason on the first line (the mark on the second)');
  } finally {
    await server.close();
  }
  assert.equal(existsSync(server.tokenFile!), false, 'the token file goes with the dashboard');
  rmSync(dir, { recursive: true, force: true });
});

test('in Chromium: a page on another origin can neither halt nor read the dashboard; the dashboard\'s own page can', { skip: existsSync(CHROMIUM) ? false : 'chromium is not installed', timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const { server, halt, state } = await dashboard();
  const p = server.port;
  // The hostile page, served from another port of the same machine: same site, another origin.
  const evilHtml = `<!doctype html><meta charset="utf-8"><body><script>
    const target = 'http://127.0.0.1:${p}';
    const r = { wsMessages: 0, wsState: 'pending', stateRead: 'pending', haltFetch: 'pending' };
    window.__results = r;
    fetch(target + '/halt', { method: 'POST', mode: 'no-cors', body: 'evil' }).then(() => (r.haltFetch = 'sent'), (e) => (r.haltFetch = 'failed'));
    fetch(target + '/api/state', { credentials: 'include' }).then((x) => x.text()).then((t) => (r.stateRead = t), () => (r.stateRead = 'failed'));
    const ws = new WebSocket('ws://127.0.0.1:${p}/ws');
    ws.onmessage = () => r.wsMessages++;
    ws.onopen = () => (r.wsState = 'open');
    ws.onerror = () => (r.wsState = 'error');
    const f = document.createElement('form'); f.method = 'POST'; f.action = target + '/halt'; f.target = 'sink';
    const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame, f); f.submit();
  </script>`;
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(evilHtml);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const evilPort = (evil.address() as AddressInfo).port;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'] });
  try {
    const ctx = await browser.newContext();
    // The user has the dashboard open (its cookie is in the browser), then visits the hostile page.
    const own = await ctx.newPage();
    await own.goto(server.openUrl);
    await own.waitForFunction('window.__dashboard !== undefined');
    for (const origin of [`http://127.0.0.1:${evilPort}/`, `http://localhost:${evilPort}/`]) {
      const page = await ctx.newPage();
      await page.goto(origin);
      await page.waitForFunction("window.__results.stateRead !== 'pending' && window.__results.wsState !== 'pending' && window.__results.haltFetch !== 'pending'", undefined, { timeout: 15_000 });
      await page.waitForTimeout(300);
      const r = (await page.evaluate('window.__results')) as { wsMessages: number; wsState: string; stateRead: string };
      assert.equal(r.stateRead, 'failed', `${origin}: the state could not be read`);
      assert.equal(r.wsMessages, 0, `${origin}: the websocket delivered nothing`);
      assert.notEqual(r.wsState, 'open', `${origin}: the websocket did not open`);
      assert.equal(existsSync(halt), false, `${origin}: trading was not halted`);
      await page.close();
    }

    // The dashboard's own page still works: it reads the state and its HALT button halts.
    await own.reload();
    await own.waitForFunction("document.getElementById('s-mid').textContent !== '–'", undefined, { timeout: 15_000 });
    state.stats = { ...state.stats, mid: 100_010 };
    state.addPoint({ t: Math.floor(Date.now() / 1000) + 5, mid: 100_010, bid: 100_009, ask: 100_011 });
    own.once('dialog', (d) => void d.accept());
    await own.click('#halt');
    await own.waitForFunction('true', undefined, { timeout: 1_000 });
    const until = Date.now() + 10_000;
    while (!existsSync(halt) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(existsSync(halt), true, "the dashboard's own HALT button halted");
    assert.match(readFileSync(halt, 'utf8'), /^dashboard: /);
  } finally {
    await browser.close();
    await new Promise<void>((r) => evil.close(() => r()));
    await server.close();
  }
});
