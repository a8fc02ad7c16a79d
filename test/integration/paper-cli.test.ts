// The realtime command end to end on the fake Binance: JSON lines and file, kill switch, SIGTERM exit 0, restart resumes from the ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBinance } from '../fake-exchange/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { readEvents } from '../../src/data/index.js';
import { clearHaltFile } from '../../src/risk/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  waitFor: (pred: (l: Record<string, unknown>) => boolean, ms: number) => Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
}

/** Every process a test started, killed at the end whatever happened (a failed test must not leave a loop running). */
const started = new Set<ChildProcess>();

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'realtime', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buf = '';
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (c: string) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (c: Buffer) => (err += String(c)));
  started.add(child);
  const exit = new Promise<number | null>((r) =>
    child.on('close', (code) => {
      started.delete(child);
      r(code);
    }),
  );
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; stderr: ${err}; lines: ${lines.length}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { child, lines, stderr: () => err, waitFor, exit };
}

test('realtime: lines on stdout and in the JSONL file, halt → halted, SIGTERM → orders canceled, exit 0; a restart resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-cli-'));
  const fake = new FakeBinance({ stepMs: 10 });
  const url = await fake.start();
  try {
    const cfg = join(dir, 'paper.yaml');
    writeFileSync(
      cfg,
      [
        'quoting: { gamma: 0.01, horizon_seconds: 10, order_qty: 0.001, max_inventory_qty: 0.01 }',
        'risk: { max_order_qty: 0.01, max_inventory_qty: 0.01, max_orders_per_window: 1000, stale_after_ms: 2000 }',
        'sim: { entry_latency_ms: 2, response_latency_ms: 2 }',
        'features: { sigma_sample_ms: 100, sigma_window: 30 }',
      ].join('\n'),
    );
    const ledger = join(dir, 'ledger.sqlite');
    const halt = join(dir, 'HALT');
    const common = ['--exchange', 'binance', '--symbol', 'BTC/USDT', '--exchange-url', url, '--config', cfg, '--ledger', ledger, '--halt-file', halt, '--out-dir', join(dir, 'out'), '--poll-seconds', '0.25'];

    const recording = join(dir, 'paper-live-feed.arrow');
    const a = start([...common, '--iterations', 'forever', '--dashboard-port', '0', '--record', recording]);
    await a.waitFor((l) => l['iteration'] === 4, 90_000);
    const dash = /dashboard: (http:\/\/\S+)/.exec(a.stderr())?.[1];
    assert.ok(dash, 'the dashboard URL is announced');
    const health = (await (await fetch(new URL('/healthz', dash))).json()) as { ok: boolean };
    assert.equal(health.ok, true);
    // The kill switch over HTTP (the dashboard's endpoint writes the halt file the loop polls), with the token of the printed URL.
    assert.equal((await fetch(new URL('/halt', dash), { method: 'POST' })).status, 401);
    const token = new URL(dash).searchParams.get('token');
    const h = await fetch(new URL('/halt', dash), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(h.status, 200);
    const halted = await a.waitFor((l) => l['trading_state'] === 'halted', 30_000);
    assert.match(String((halted['risk_reasons'] as string[])[0]), /kill-switch: halt file/);
    const n = a.lines.length;
    await a.waitFor((_l) => a.lines.length >= n + 2, 30_000);
    assert.equal(a.lines.at(-1)?.['open_orders'], 0, 'halted: every paper order canceled');
    a.child.kill('SIGTERM');
    assert.equal(await a.exit, 0);
    const summary = a.lines.at(-1)!;
    assert.equal(summary['summary'], true);
    assert.equal(summary['ended_by'], 'SIGTERM');
    const jsonl = readdirSync(join(dir, 'out')).filter((f) => f.endsWith('_binance_BTC_USDT.jsonl'));
    assert.equal(jsonl.length, 1);
    const fileLines = readFileSync(join(dir, 'out', jsonl[0]!), 'utf8').trim().split('\n');
    assert.equal(fileLines.length, a.lines.length, 'the file holds what stdout showed');

    const l1 = new Ledger(ledger);
    const r1 = l1.resume('BTC/USDT')!;
    assert.deepEqual(checkLedgerInvariants(l1.db), []);
    assert.equal(r1.openOrders.length, 0, 'SIGTERM left no open paper order');
    const run1 = l1.db.prepare<[], { status: string }>('SELECT status FROM runs').get();
    assert.equal(run1?.status, 'SIGTERM');
    assert.ok(l1.db.prepare("SELECT 1 FROM risk_events WHERE condition = 'kill-switch'").get(), 'the halt is in the ledger');
    const rec = l1.db.prepare<[], { run_id: string; status: string; rows: number }>('SELECT run_id, status, rows FROM recordings').get();
    assert.equal(rec?.status, 'written', 'SIGTERM still closes the recording of what the feed delivered');
    assert.equal(readEvents(recording).length, rec.rows);
    assert.ok(rec.rows > 0);
    l1.close();

    // Restart on the same ledger: inventory and cash continue, client ids keep increasing.
    clearHaltFile(halt);
    const b = start([...common, '--iterations', '3', '--feed', 'rest']);
    assert.equal(await b.exit, 0, b.stderr());
    const skew = b.lines[0]!['clock_skew'] as { available: boolean; local_minus_exchange_ms: number };
    assert.equal(skew.available, true, 'the clock skew against the exchange is measured at start');
    assert.ok(Number.isFinite(skew.local_minus_exchange_ms));
    const resumed = b.lines[1]!;
    assert.equal(resumed['resumed'], true);
    assert.equal(resumed['inventory'], r1.position);
    assert.equal(resumed['cash'], r1.cash);
    assert.equal(b.lines.filter((l) => 'iteration' in l).length, 3);
    assert.equal(b.lines.find((l) => 'iteration' in l)?.['feed'], 'rest', '--feed rest polls');
    const l2 = new Ledger(ledger);
    assert.deepEqual(checkLedgerInvariants(l2.db), []);
    const ids = l2.db.prepare<[], { run_id: string; lo: number }>('SELECT run_id, min(client_id) AS lo FROM orders GROUP BY run_id ORDER BY lo').all();
    if (ids.length === 2) assert.ok(ids[1]!.lo > r1.lastClientId);
    l2.close();
    // parity picks the recorded run of the two, read-only.
    const par = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'parity', '--ledger', ledger, '--session', rec.run_id, '--out', join(dir, 'parity')], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(par.status, 0, par.stderr);
    assert.equal((JSON.parse(par.stdout) as { session: string }).session, rec.run_id);
    const noRec = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'parity', '--ledger', ledger, '--out', join(dir, 'parity-latest')], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(noRec.status, 2, 'the latest run has no recording');
    assert.match(noRec.stderr, /has no linked recording/);
  } finally {
    for (const c of started) c.kill('SIGKILL');
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('realtime: bad input is one line and exit 2, before any network', async () => {
  for (const [args, pattern] of [
    [['--iterations', 'ten'], /--iterations: expected a positive integer or 'forever'/],
    [['--mode', 'yolo'], /--mode: expected paper or live, got 'yolo'/],
    [['--exchange', 'binanse', '--exchange-url', 'http://127.0.0.1:9'], /--exchange: unknown exchange 'binanse'.*binance/],
    [['--timeframe', 'soon'], /--timeframe: expected a timeframe/],
  ] as const) {
    const p = start([...args]);
    const code = await p.exit;
    assert.equal(code, 2, `${args.join(' ')}: ${p.stderr()}`);
    assert.match(p.stderr(), pattern);
    assert.equal(p.stderr().trim().split('\n').length, 1, p.stderr());
  }
});
