// What a session's recording keeps for its replay (reference price, strategy module and its hash; a changed module is refused), and a session killed with SIGKILL still leaving a recording parity can use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { readEventMeta, readEvents } from '../../src/data/index.js';

const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'mm-parity-recording-'));
const config = join(dir, 'cfg.yaml');
writeFileSync(config, ['capital: 10000', 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', 'sim: { queue: power:2, entry_latency_ms: 10, response_latency_ms: 10 }', 'risk: { max_drawdown: 5, warn_fraction: 1 }', ''].join('\n'));

test('the recording keeps the reference price and the strategy module with its hash; parity refuses a changed module unless told, and then says so', () => {
  const module = join(dir, 'touch.ts');
  copyFileSync(join(REPO_ROOT, 'examples', 'strategies', 'quote-the-touch.ts'), module);
  const ledger = join(dir, 'module.sqlite');
  const recording = join(dir, 'module.arrow');
  const r = cli(['realtime', '--config', config, '--strategy', module, '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '1m', '--out-dir', join(dir, 'out'), '--ledger', ledger, '--record', recording]);
  assert.equal(r.status, 0, r.stderr);
  const meta = readEventMeta(recording);
  const first = readEvents(recording);
  let price = Number.NaN;
  for (let i = 0; i < first.length && price !== price; i++) if (first.price[i]! > 0) price = first.price[i]!;
  assert.equal(Number(meta['reference_price']), price, 'an event-clock session resolves its sizes at the recording’s first price');
  assert.equal(meta['strategy_module'], module);
  assert.match(meta['strategy_sha256'] ?? '', /^[0-9a-f]{64}$/);

  const p = cli(['parity', '--ledger', ledger, '--out', join(dir, 'p-same')]);
  assert.equal(p.status, 0, p.stderr);
  const line = JSON.parse(p.stdout) as { reference_price: number; strategy_sha256: string; strategy_sha256_recorded: string; fills_live: number; fill_ratio: number; order_level_fill_ratio: number };
  assert.equal(line.reference_price, price);
  assert.equal(line.strategy_sha256, meta['strategy_sha256']);
  assert.equal(line.strategy_sha256_recorded, meta['strategy_sha256']);
  assert.ok(line.fills_live > 0);
  assert.equal(line.fill_ratio, 1, 'the same module on the same market: the session itself');
  assert.equal(line.order_level_fill_ratio, 1);

  // The module changes after the session: its replay would be another strategy's.
  writeFileSync(module, readFileSync(module, 'utf8').replace("lean: { default: 1,", "lean: { default: 3,"));
  const refused = cli(['parity', '--ledger', ledger, '--out', join(dir, 'p-changed')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /the strategy module .*touch\.ts is not the one run .* ran \(sha256 [0-9a-f]{12}… now, [0-9a-f]{12}… in its recording\).*--allow-strategy-change/);
  assert.ok(!existsSync(join(dir, 'p-changed')), 'nothing written');
  const allowed = cli(['parity', '--ledger', ledger, '--allow-strategy-change', '--out', join(dir, 'p-allowed')]);
  assert.equal(allowed.status, 0, allowed.stderr);
  const j = JSON.parse(readFileSync(join(dir, 'p-allowed', 'parity.json'), 'utf8')) as { notes: string[]; comparison: { fills: { fill_ratio: number } }; order_level: { fills: { fill_ratio: number } } };
  assert.ok(j.notes.some((n) => /changed since the session ran/.test(n)), j.notes.join('\n'));
  assert.ok(j.comparison.fills.fill_ratio < 1, 'a strategy leaning harder quotes otherwise');
  assert.equal(j.order_level.fills.fill_ratio, 1, 'the session’s own orders do not depend on the module');
});

test('a session killed with SIGKILL leaves a partial recording that parity reads as far as it was written', async () => {
  const ledger = join(dir, 'killed.sqlite');
  const recording = join(dir, 'killed.arrow');
  // A paper session on the wall clock, the capture replayed at 20× (10 minutes of market: it is killed long before).
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), '--speed', '20', '--duration', '10m', '--poll-seconds', '0.2', '--quiet', '--out-dir', join(dir, 'killed-out'), '--ledger', ledger, '--record', recording], { cwd: REPO_ROOT, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  // Killed once the ledger holds fills and the recording has written a second's rows (polled, no fixed sleep).
  const fills = (): number => {
    if (!existsSync(ledger)) return 0;
    const db = new Database(ledger, { readonly: true, fileMustExist: true });
    try {
      return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fills').get()?.n ?? 0;
    } catch {
      return 0;
    } finally {
      db.close();
    }
  };
  const partial = `${recording}.partial`;
  const deadline = Date.now() + 240_000;
  while (!(fills() >= 5 && existsSync(partial) && statSync(partial).size > 100_000)) {
    assert.ok(child.exitCode === null, 'the session is still running');
    assert.ok(Date.now() < deadline, `no fills and rows within 4 minutes (fills ${fills()})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(!existsSync(recording), 'never completed: nothing at the recording’s own name');
  assert.ok(existsSync(partial));

  const p = cli(['parity', '--ledger', ledger, '--out', join(dir, 'p-killed')]);
  assert.equal(p.status, 0, p.stderr);
  const line = JSON.parse(p.stdout) as { recording_partial: boolean; events: string; fills_live: number; order_level_fills_matched: number; order_level_fill_ratio: number; order_level_pnl_gap: number; reference_price: number };
  assert.equal(line.recording_partial, true);
  assert.equal(line.events, partial);
  assert.ok(line.fills_live > 0, `the killed session's fills within its recording (${line.fills_live})`);
  assert.ok(line.reference_price > 0);
  // Its own orders on a venue fed as the session's was: every fill the session booked within the recording.
  assert.equal(line.order_level_fills_matched, line.fills_live);
  assert.equal(line.order_level_pnl_gap, 0);
  const j = JSON.parse(readFileSync(join(dir, 'p-killed', 'parity.json'), 'utf8')) as { notes: string[]; events: { partial: boolean } };
  assert.equal(j.events.partial, true);
  assert.ok(j.notes.some((n) => /did not close its recording/.test(n)), j.notes.join('\n'));
});
