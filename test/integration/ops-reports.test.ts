// `weekly-report` and `status-page` on a real paper ledger (the shared capture replayed on its own clock): figures checked against the
// ledger itself; an unsound ledger, an empty period, a losing runtime run each fail with exit 1; the page is served on 127.0.0.1 by the dashboard server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CAPTURE_DIR, REPO_ROOT } from '../fixtures/shared-data.js';
import { runOps } from '../fixtures/ops.js';
import { freePort } from '../fixtures/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-reports-'));
const ledger = join(dir, 'artifacts', 'realtime', 'ledger.sqlite');
const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'btcusdt.yaml');

before(() => {
  const r = runOps(['realtime', '--replay', join(CAPTURE_DIR, 'btcusdt_20240808.gz'), '--clock', 'event', '--config', EXAMPLE, '--ledger', ledger, '--halt-file', join(dir, 'HALT'), '--out-dir', join(dir, 'artifacts', 'realtime'), '--quiet'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
});

test('weekly-report: fills, fees and PnL as the ledger has them; a JSON file and a self-contained page (exit 0)', () => {
  // An analysis's results store under artifacts/ is a SQLite file too, not a ledger: it is passed over.
  mkdirSync(join(dir, 'artifacts', 'last_month_analysis'), { recursive: true });
  const store = new Database(join(dir, 'artifacts', 'last_month_analysis', 'results.sqlite'));
  store.exec('CREATE TABLE cases (key TEXT PRIMARY KEY, figures TEXT)');
  store.close();
  const r = runOps(['weekly-report', '--out', 'artifacts/weekly/w1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const db = new Database(ledger, { readonly: true });
  const f = db.prepare('SELECT count(*) AS n, sum(fee) AS fees, sum(-side * price * qty - fee) AS flow, sum(side * qty) AS pos FROM fills').get() as { n: number; fees: number; flow: number; pos: number };
  const last = (db.prepare('SELECT price FROM fills ORDER BY id DESC LIMIT 1').get() as { price: number }).price;
  db.close();
  assert.ok(f.n > 0, 'the replay made no fill');
  assert.equal(r.json.totals.paper_live_runs, 1);
  assert.equal(r.json.totals.fills, f.n);
  assert.ok(Math.abs(r.json.totals.fees - f.fees) < 1e-3);
  assert.ok(Math.abs(r.json.totals.pnl - (f.flow + f.pos * last)) < 1e-3);
  const doc = JSON.parse(readFileSync(join(dir, 'artifacts', 'weekly', 'w1', 'weekly-report.json'), 'utf8'));
  assert.equal(doc.runs[0].pnl_marked_at, 'last fill price');
  assert.equal(doc.runs[0].fill_agreement.status, 'n/a');
  const html = readFileSync(join(dir, 'artifacts', 'weekly', 'w1', 'weekly-report.html'), 'utf8');
  assert.ok(html.includes(doc.runs[0].run_id));
  assert.doesNotMatch(html, /<script|src="http/);
  // Never replaced.
  assert.equal(runOps(['weekly-report', '--out', 'artifacts/weekly/w1'], { cwd: dir }).status, 2);
});

test('weekly-report: a ledger whose position disagrees with its fills (exit 1, named); an empty period (exit 1)', () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  copyFileSync(ledger, join(bad, 'ledger.sqlite'));
  const db = new Database(join(bad, 'ledger.sqlite'));
  db.prepare('UPDATE positions SET position = position + 0.5').run();
  db.close();
  const r = runOps(['weekly-report', '--ledgers', bad, '--runs', join(dir, 'none'), '--out', join(dir, 'w-bad')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /weekly-report: .*ledger\.sqlite: .*position/);
  const empty = runOps(['weekly-report', '--ledgers', join(dir, 'none'), '--runs', join(dir, 'none'), '--out', join(dir, 'w-empty')]);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /nothing to report/);
});

test('status-page: GO with a sound session and weekly report; NO-GO once a losing runtime run is the newest (exit 1); served by the dashboard server on 127.0.0.1 behind its token', async () => {
  const go = runOps(['status-page'], { cwd: dir });
  assert.equal(go.status, 0, go.stderr);
  assert.deepEqual(go.json.sections.map((s: { section: string; go: boolean }) => [s.section, s.go]), [['paper / live session', true], ['weekly report', true]]);
  const html = readFileSync(join(dir, 'artifacts', 'status', 'index.html'), 'utf8');
  assert.match(html, /GO: 2 of 2 checks pass/);
  assert.ok(html.includes('href="../weekly/w1/weekly-report.html"'));
  // A runtime run whose risk agent finds a breach (a loss below min_total_pnl 0 with γ 0.1 on this seed).
  writeFileSync(join(dir, 'run.yaml'), ['mode: backtest', 'seed: 7', 'paths: { artifacts_dir: artifacts, data_dir: . }', 'market: { symbol: SIM/USDT }', 'agents:', '  - { name: data, role: data, params: { source: simulated, bars: 600 } }', '  - { name: model, role: ml, inputs: [data], params: { gamma: 0.1 } }', '  - { name: exec, role: execution, inputs: [model] }', '  - { name: risk, role: risk, inputs: [exec] }', ''].join('\n'));
  const run = runOps(['run', '--config', 'run.yaml', '--max-workers', '1', '--run-id', 'losing'], { cwd: dir });
  assert.equal(run.json.risk_status, 'breach', run.stdout);
  const nogo = runOps(['status-page'], { cwd: dir });
  assert.equal(nogo.status, 1);
  assert.match(nogo.stderr, /NO-GO runtime run .*losing_summary\.json.*risk breach/);
  assert.match(readFileSync(join(dir, 'artifacts', 'status', 'index.html'), 'utf8'), /NO-GO: 2 of 3 checks pass/);
  // A file that is not a status page of ours is never replaced.
  writeFileSync(join(dir, 'mine.html'), '<p>my notes</p>');
  assert.equal(runOps(['status-page', '--out', 'mine.html'], { cwd: dir }).status, 2);
  // Served by the dashboard server on 127.0.0.1: the page at /status/ and what it links to, behind the dashboard's token; nothing else.
  const port = await freePort();
  const argv = ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'status-page', '--serve', '--port', String(port)];
  const child = spawn(process.execPath, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((ok, fail) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += String(d);
        if (buf.includes('\n')) ok(buf.split('\n')[0]!);
      });
      child.once('exit', (c) => fail(new Error(`exited ${c} before serving`)));
    });
    const served = JSON.parse(line);
    const base = `http://127.0.0.1:${port}/`;
    assert.equal(served.url, `${base}status/`);
    const token = readFileSync(join(dir, 'artifacts', 'status', `dashboard-${port}.token`), 'utf8').trim();
    assert.equal(served.open_url, `${base}status?token=${token}`);
    const auth = { authorization: `Bearer ${token}` };
    // Without the token: the locked page, and no file.
    assert.equal((await fetch(served.url)).status, 401);
    assert.equal((await fetch(`${base}status/weekly/w1/weekly-report.json`)).status, 401);
    // The printed address keeps the token in the dashboard's cookie and takes it out of the address bar.
    const first = await fetch(served.open_url, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/status/');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal(cookie, `mm_dashboard_${port}=${token}`);
    const page = await fetch(served.url, { headers: { cookie } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /marketmakerl status-page/);
    assert.match(html, /NO-GO: 2 of 3 checks pass/);
    // Links relative to the artifacts folder, served under /status/.
    assert.ok(html.includes('href="weekly/w1/weekly-report.html"'), 'link to the weekly report');
    const weekly = await fetch(`${base}status/weekly/w1/weekly-report.html`, { headers: auth });
    assert.equal(weekly.status, 200);
    assert.match(weekly.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${base}status/weekly/w1/weekly-report.json`, { headers: auth })).status, 200);
    // Nothing outside the artifacts folder, no token file, no dot-file; the dashboard itself on the same server.
    assert.equal((await fetch(`${base}status/..%2frun.yaml`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${base}status/status/dashboard-${port}.token`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${base}status/realtime/..%2f..%2fmine.html`, { headers: auth })).status, 404);
    const dash = await fetch(base, { headers: auth });
    assert.equal(dash.status, 200);
    assert.match(await dash.text(), /href="\/status\/"/);
    assert.equal((await fetch(`${base}healthz`)).status, 200);
    // dashboard-open: the served address while it serves.
    const open = runOps(['status-page', '--open', '--port', String(port)], { cwd: dir });
    assert.equal(open.status, 1, open.stderr);
    assert.equal(open.json.served, true);
    assert.equal(open.json.open, served.open_url);
  } finally {
    const gone = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await gone;
  }
  // Stopped: its token file is gone, and dashboard-open points at the file.
  assert.equal(existsSync(join(dir, 'artifacts', 'status', `dashboard-${port}.token`)), false);
  const closed = runOps(['status-page', '--open', '--port', String(port)], { cwd: dir });
  assert.equal(closed.json.served, false);
  assert.match(closed.json.open, /^file:\/\/.*\/artifacts\/status\/index\.html$/);
  assert.match(closed.stderr, /not served on 127\.0\.0\.1/);
});
