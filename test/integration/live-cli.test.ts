// `realtime --mode live` end to end in a child process: the guard's exact refusals, then a short live run against the fake exchange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger, readRecordingLink } from '../../src/ledger/index.js';
import { readEventFile } from '../../src/data/index.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { stampsFromNow } from '../fixtures/stamps.js';
import { writeMarker } from '../../src/core/index.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live'];
const bareEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['PAPER_ONLY'];
  delete env['EXCHANGE_API_KEY'];
  delete env['EXCHANGE_API_SECRET'];
  return env;
};

test('realtime --mode live is refused with the runtime guard messages, and without --confirm-live', () => {
  const run = (env: NodeJS.ProcessEnv, extra: string[] = []) => spawnSync(process.execPath, [...cli, ...extra], { cwd: root, env, encoding: 'utf8' });
  let r = run(bareEnv());
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: mode=live is disabled while PAPER_ONLY=1');
  r = run({ ...bareEnv(), PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: mode=live requires env vars: EXCHANGE_API_SECRET');
  r = run({ ...bareEnv(), PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: mode=live requires --confirm-live (real orders, real money)');
  for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(TEST_KEY) && !out.includes(TEST_SECRET));
  // A ledger with paper runs is refused before anything reaches an exchange.
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-cli-'));
  const paper = new Ledger(join(dir, 'paper.sqlite'));
  paper.startRun({ runId: 'paper_1', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date());
  paper.close();
  r = run({ ...bareEnv(), PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET }, ['--confirm-live', '--ledger', join(dir, 'paper.sqlite')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /holds paper runs; live trading needs a ledger of its own/);
});

test('realtime --mode live --confirm-live trades against the fake, ends with every order cancelled, writes no secret, and never writes into a log it did not create', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-cli-'));
  // Another session's log under every stamp this one could take: its own goes under <stamp>_2.
  mkdirSync(join(dir, 'out'));
  writeMarker(join(dir, 'out'), 'realtime');
  const theirs = stampsFromNow().map((s) => join(dir, 'out', `${s}_binance_BTC_USDT_live.jsonl`));
  for (const p of theirs) writeFileSync(p, '{"theirs":true}\n');
  const config = join(dir, 'live.yaml');
  writeFileSync(config, 'features:\n  sigma_sample_ms: 100\nlive:\n  reconcile_every_s: 1\n  request_timeout_ms: 2000\n');
  // A moving market so that the volatility estimate warms up within a second.
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const bid = 100_000 + (k % 7) * 0.5;
    fake.account.setMarket(bid, bid + 0.5);
  }, 50);
  try {
    const child = spawn(
      process.execPath,
      [...cli, '--confirm-live', '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--timeframe', '1s', '--poll-seconds', '0.2', '--iterations', '25',
        '--config', config, '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--dashboard-port', '0', '--record', join(dir, 'live.arrow')],
      { cwd: root, env: { ...bareEnv(), PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    assert.equal(summary['summary'], true);
    assert.equal(summary['cancelVerified'], true);
    assert.equal(lines.filter((l) => typeof l['iteration'] === 'number').length, 25);
    assert.ok((summary['placed'] as number) > 0, 'quotes went out');
    assert.equal(fake.account.openOrders().length, 0, 'nothing left resting');
    assert.match(stderr, /dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(basename(String(summary['jsonl'])), /^\d{8}T\d{6}Z_2_binance_BTC_USDT_live\.jsonl$/);
    assert.equal(readFileSync(String(summary['jsonl']), 'utf8'), stdout, "the log holds this session's lines and nothing else");
    for (const p of theirs) assert.equal(readFileSync(p, 'utf8'), '{"theirs":true}\n', `${p} untouched`);
    // The market the session received, recorded and linked from its run.
    const rec = readEventFile(join(dir, 'live.arrow'));
    assert.ok(rec.events.length > 0, 'rows recorded');
    assert.equal(rec.meta['mode'], 'live');
    const lg = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      const link = readRecordingLink(lg, String(summary['run_id']));
      assert.equal(link?.status, 'written');
      assert.equal(link?.rows, rec.events.length);
    } finally {
      lg.close();
    }
    const parityDir = mkdtempSync(join(tmpdir(), 'mm-live-parity-'));
    // parity reads the live session's own config and replays it on that recording (read-only on the ledger).
    const par = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'parity', '--ledger', join(dir, 'ledger.sqlite'), '--out', join(parityDir, 'p')], { cwd: root, encoding: 'utf8' });
    assert.equal(par.status, 0, par.stderr);
    const pl = JSON.parse(par.stdout) as { mode: string; fills_live: number; orders_matched_share: number };
    assert.equal(pl.mode, 'live');
    assert.ok(readFileSync(join(parityDir, 'p', 'parity.html'), 'utf8').includes('live'));
    const texts = [stdout, stderr, ...[dir, join(dir, 'out')].flatMap((d) => readdirSync(d).filter((f) => f !== 'out').map((f) => readFileSync(join(d, f)).toString('latin1')))];
    for (const t of texts) assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), 'a secret leaked');
  } finally {
    clearInterval(timer);
    await fake.close();
  }
});
