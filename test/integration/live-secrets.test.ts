// An exchange whose error texts quote the API key: the key reaches no log line, file, ledger row or message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

test('rejections that echo the API key are stored and logged with the key redacted', { timeout: 120_000 }, async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  fake.faults.rejectEchoingKey = 4;
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-secret-'));
  const config = join(dir, 'live.yaml');
  writeFileSync(config, 'features:\n  sigma_sample_ms: 100\nlive:\n  request_timeout_ms: 2000\n  lookup_settle_ms: 5000\n');
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const bid = 100_000 + (k % 7) * 0.5;
    fake.account.setMarket(bid, bid + 0.5);
  }, 50);
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live', '--confirm-live', '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest',
        '--timeframe', '1s', '--poll-seconds', '0.2', '--iterations', '30', '--config', config, '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT')],
      { cwd: root, env: { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(fake.faults.rejectEchoingKey, 0, 'the exchange did echo the key');
    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    const reasons = db.prepare<[], { reason: string }>("SELECT reason FROM order_events WHERE type = 'rejected'").all();
    db.close();
    const echoed = reasons.filter((r) => r.reason.includes('Order rejected for API key'));
    assert.equal(echoed.length, 4, JSON.stringify(reasons));
    assert.ok(echoed.every((r) => /API key \[redacted\] \(\[redacted\]\)/.test(r.reason)), JSON.stringify(echoed));
    assert.match(stdout, /"event":"live_order_rejected".*\[redacted\]/);
    const texts = [stdout, stderr, ...[dir, join(dir, 'out')].flatMap((d) => readdirSync(d).filter((f) => f !== 'out').map((f) => readFileSync(join(d, f)).toString('latin1')))];
    for (const t of texts) {
      assert.ok(!t.includes(TEST_KEY), 'the API key leaked');
      assert.ok(!t.includes(TEST_SECRET), 'the API secret leaked');
    }
  } finally {
    clearInterval(timer);
    await fake.close();
  }
});

test('a flag the command refuses is quoted with the key redacted (commander echoes the argument it refused)', () => {
  const key = 'k3y-SHOULD-NEVER-PRINT';
  const env = { ...process.env, EXCHANGE_API_KEY: key };
  for (const args of [['realtime', `--api-key=${key}`], ['backtest', '--gamma', key], ['backtest', '--model', key], [key]]) {
    const r = spawnSync(join(root, 'bin', 'marketmakerl'), args, { cwd: root, encoding: 'utf8', env });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key), `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /\[redacted\]/, args.join(' '));
  }
});
