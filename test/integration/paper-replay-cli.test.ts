// `realtime --replay`: on the event clock a backtest (the same fills, byte for byte, as `backtest --events`); on the wall clock, paced on the recording's own times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { ensureSharedCaptureArrow, sharedCaptureFiles } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { stampsFromNow } from '../fixtures/stamps.js';
import { writeMarker } from '../../src/core/index.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

test('paper on the event clock gives backtest --events its fills byte for byte (event file and raw capture); the ledger holds them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-replay-'));
  const config = join(dir, 'cfg.yaml');
  writeFileSync(config, ['capital: 10000', 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', 'sim: { queue: power:2, maker_fee_bps: -0.5, feed_latency_ms: 5 }', 'risk: { max_drawdown: 5, warn_fraction: 1 }', ''].join('\n'));
  const events = ensureSharedCaptureArrow();

  const bt = cli(['backtest', '--config', config, '--events', events, '--out', join(dir, 'bt')]);
  assert.equal(bt.status, 0, bt.stderr);
  const btFills = readFileSync(join(dir, 'bt', 'fills.csv'), 'utf8');
  assert.ok(btFills.split('\n').length > 10, 'the run fills');

  const replay = (files: string[], name: string) => {
    const out = join(dir, name);
    const r = cli(['realtime', '--config', config, '--replay', ...files, '--clock', 'event', '--out-dir', out, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const run = readdirSync(out).find((f) => f !== '.marketmakerl' && !f.endsWith('.sqlite'))!;
    return { dir: join(out, run), ledger: join(out, readdirSync(out).find((f) => f.endsWith('.sqlite'))!) };
  };
  const fromFile = replay([events], 'file');
  assert.equal(readFileSync(join(fromFile.dir, 'fills.csv'), 'utf8'), btFills, 'event file: the same fills.csv');
  const fromCapture = replay(sharedCaptureFiles(), 'capture');
  assert.equal(readFileSync(join(fromCapture.dir, 'fills.csv'), 'utf8'), btFills, 'raw capture converted in memory: the same fills.csv');

  // The metrics agree too, risk included; the paper ledger has every fill of the replay (and those in flight at the stop).
  const metrics = (d: string) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')) as { fills: number; total_pnl: number; risk: unknown };
  const a = metrics(join(dir, 'bt'));
  const b = metrics(fromFile.dir);
  assert.deepEqual([b.fills, b.total_pnl, b.risk], [a.fills, a.total_pnl, a.risk]);
  const ledger = new Ledger(fromFile.ledger);
  try {
    assert.deepEqual(checkLedgerInvariants(ledger.db), []);
    const n = (ledger.db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
    assert.ok(n >= a.fills, `ledger fills ${n}, replay fills ${a.fills}`);
    const open = (ledger.db.prepare("SELECT count(*) AS n FROM orders WHERE status IN ('pending-new', 'open', 'pending-cancel')").get() as { n: number }).n;
    assert.equal(open, 0, 'the stop cancelled every order');
    // The venue's audit trail: the backtest's fills with their trades, every order with arrival, end and queue.
    const vf = ledger.db.prepare('SELECT ts_local_us, ts_exchange_us, trade_id, side, price, qty FROM venue_fills ORDER BY seq').all() as { ts_local_us: number; ts_exchange_us: number | null; trade_id: number | null; side: string; price: number; qty: number }[];
    assert.equal(vf.length, n, 'one venue fill per ledger fill');
    const btRows = btFills.trimEnd().split('\n');
    const head = btRows[0]!.split(',');
    const col = (row: string, name: string): string => row.split(',')[head.indexOf(name)]!;
    btRows.slice(1).forEach((row, i) => {
      assert.equal(String(vf[i]!.trade_id ?? ''), col(row, 'trade_id'), `fill ${i}: trade id`);
      assert.equal(String(vf[i]!.ts_exchange_us ?? ''), col(row, 'ts_exchange_us'), `fill ${i}: trade time`);
      assert.equal(vf[i]!.side, col(row, 'side'), `fill ${i}: side`);
    });
    const vo = ledger.db.prepare('SELECT client_id, arrived_us, ended_us, end_reason, queue_ahead FROM venue_orders').all() as { client_id: number; arrived_us: number | null; ended_us: number | null; end_reason: string; queue_ahead: number | null }[];
    const btRowsOrders = readFileSync(join(dir, 'bt', 'orders.csv'), 'utf8').trimEnd().split('\n');
    const btOrders = btRowsOrders.length - 1;
    assert.ok(vo.length >= btOrders, `venue orders ${vo.length}, backtest orders ${btOrders}`);
    assert.ok(vo.every((o) => o.end_reason !== 'open'), 'the stop ended every order');
    // A queue at join for every filled order, but where the venue could not know it (a level beyond the
    // snapshot's depth that no diff had named, filled by a trade through it): there, as in orders.csv, none.
    const ordersHead = btRowsOrders[0]!.split(',');
    const btQueue = new Map(btRowsOrders.slice(1).map((r) => [Number(r.split(',')[0]), r.split(',')[ordersHead.indexOf('queue_ahead')]!]));
    assert.ok(vo.filter((o) => o.end_reason === 'filled').every((o) => o.arrived_us !== null && o.ended_us! >= o.arrived_us && (o.queue_ahead !== null || btQueue.get(o.client_id) === '')));
  } finally {
    ledger.close();
  }
});

test('--clock event: bad input is one line, exit 2', () => {
  const r1 = cli(['realtime', '--clock', 'event']);
  assert.equal(r1.status, 2);
  assert.match(r1.stderr, /^error: --clock event: replays a recording/);
  const r2 = cli(['realtime', '--clock', 'sometimes']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /^error: --clock: expected wall or event/);
  const r3 = cli(['realtime', '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--speed', '10']);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /^error: --speed: not used with --clock event/);
});

test('a wall-clock replay runs on the recording’s own times: its lines say 2024-08-08, not today; a resumed ledger keeps today’s clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-replay-clock-'));
  const events = ensureSharedCaptureArrow();
  const run = () => {
    const r = cli(['realtime', '--replay', events, '--speed', '50', '--poll-seconds', '0.2', '--iterations', '3', '--ledger', join(dir, 'paper.sqlite'), '--halt-file', join(dir, 'HALT'), '--out-dir', join(dir, 'out')]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts_utc?: string; resumed?: boolean; summary?: boolean; wall_seconds?: number; session_seconds?: number });
  };
  const lines = run();
  const first = lines.filter((l) => l.ts_utc !== undefined);
  assert.equal(first.length, 3);
  // The summary tells real time from the replay's: at 50× the market clock runs ahead of the wall (by construction; by how much depends on the load).
  const summary = lines.find((l) => l.summary === true)!;
  assert.ok(summary.session_seconds! >= 0.6 && summary.session_seconds! > summary.wall_seconds!, JSON.stringify(summary));
  for (const l of first) assert.match(l.ts_utc!, /^2024-08-0[89]T/, 'the capture’s own clock');
  const again = run();
  assert.equal(again[0]!.resumed, true);
  const year = new Date().getUTCFullYear();
  for (const l of again.filter((x) => x.ts_utc !== undefined)) assert.ok(new Date(l.ts_utc!).getUTCFullYear() >= year, `resumed on today’s clock: ${l.ts_utc}`);
});

test('a session never writes into a log it did not create: with its name taken, its lines go whole into <stamp>_2_…jsonl and the file there is left as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-replay-log-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  writeMarker(out, 'realtime');
  // Another session's log under every stamp this one could take: the name it would take is certainly taken.
  const theirs = stampsFromNow().map((s) => join(out, `${s}_binance_BTC_USDT.jsonl`));
  for (const p of theirs) writeFileSync(p, '{"theirs":true}\n');
  const r = cli(['realtime', '--replay', ensureSharedCaptureArrow(), '--speed', '50', '--poll-seconds', '0.2', '--iterations', '2', '--ledger', join(dir, 'paper.sqlite'), '--halt-file', join(dir, 'HALT'), '--out-dir', out]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { summary: boolean; jsonl: string };
  assert.equal(summary.summary, true);
  assert.match(basename(summary.jsonl), /^\d{8}T\d{6}Z_2_binance_BTC_USDT\.jsonl$/);
  assert.equal(readFileSync(summary.jsonl, 'utf8'), r.stdout, 'the log holds this session\'s lines and nothing else');
  for (const p of theirs) assert.equal(readFileSync(p, 'utf8'), '{"theirs":true}\n', `${p} untouched`);
});

test('the event-clock summary states the inventory as the lots it holds, not with floating-point residue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-replay-inv-'));
  const r = cli(['realtime', '--config', 'config/examples/btcusdt.yaml', '--clock', 'event', '--out-dir', join(dir, 'out')]);
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.trim().split('\n').at(-1)!;
  const summary = JSON.parse(line) as { summary: boolean; inventory: number; run_dir: string };
  assert.equal(summary.summary, true);
  const metrics = JSON.parse(readFileSync(join(summary.run_dir, 'metrics.json'), 'utf8')) as { final_inventory: number };
  assert.ok(metrics.final_inventory !== 0, 'the run ends holding something');
  // Sums of lot-sized fills carry binary residue (0.00022 comes out as 0.0002199999999999997): the line rounds it away.
  assert.equal(summary.inventory, Math.round(metrics.final_inventory * 1e10) / 1e10);
  const text = /"inventory":(-?[0-9.e-]+)/.exec(line)![1]!;
  assert.ok(text.replace(/^-?0?\./, '').length <= 10, `inventory as printed: ${text}`);
});
