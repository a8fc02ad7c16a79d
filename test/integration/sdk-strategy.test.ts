// A user's strategy module, written as a plain .ts file outside the repo, run by the built CLI in every mode; bad modules refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { CLI, REPO_ROOT } from '../fixtures/shared-data.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';

// Outside the repository: the module resolves `marketmakerl/sdk` through the loader, not through node_modules.
const dir = mkdtempSync(join(tmpdir(), 'mm-sdk-'));
const tutorial = join(dir, 'my-strategy.ts');
writeFileSync(tutorial, readFileSync(join(REPO_ROOT, 'examples', 'strategies', 'quote-the-touch.ts'), 'utf8'));
const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8', env });
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('bar backtest: the module trades, its parameters come from --param, the run folder names it', () => {
  const out = join(dir, 'bar');
  const r = cli(['backtest', '--strategy', tutorial, '--param', 'back=1', '--bars', '3000', '--seed', '3', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(line['strategy'], tutorial);
  assert.equal(line['trading_state'], 'active');
  assert.ok((line['fills'] as number) > 100, `fills ${line['fills']}`);
  const cfg = json(join(out, 'config.json'));
  assert.equal(cfg['strategy_module'].name, 'quote-the-touch');
  assert.deepEqual(cfg['strategy_module'].params, { back: 1, lean: 1 });
  assert.match(cfg['strategy_module'].sha256, /^[0-9a-f]{64}$/);
});

test('tick backtest and the paper replay on the event clock: the same fills, byte for byte', () => {
  const events = ensureSharedCaptureArrow();
  const config = join(dir, 'tick.yaml');
  writeFileSync(config, [`quoting: { strategy: ${JSON.stringify(tutorial)}, params: { lean: 2 }, order_qty: 0.001, max_inventory_qty: 0.01 }`, 'capital: 10000', 'sim: { feed_latency_ms: 5 }', ''].join('\n'));
  const bt = cli(['backtest', '--config', config, '--events', events, '--out', join(dir, 'tick')]);
  assert.equal(bt.status, 0, bt.stderr);
  const fills = readFileSync(join(dir, 'tick', 'fills.csv'), 'utf8');
  assert.ok(fills.split('\n').length > 20, 'the module fills in the tick backtest');
  // Quotes at the touch: every resting bid in the trace is at or below the ask, both on the tick grid.
  const out = join(dir, 'replay');
  const rp = cli(['realtime', '--config', config, '--replay', events, '--clock', 'event', '--out-dir', out, '--quiet']);
  assert.equal(rp.status, 0, rp.stderr);
  const run = readdirSync(out).find((f) => f !== '.marketmakerl' && !f.endsWith('.sqlite'))!;
  assert.equal(readFileSync(join(out, run, 'fills.csv'), 'utf8'), fills, 'paper replay: the same fills.csv');
});

test('realtime --mode live against the fake exchange: the module quotes, everything is cancelled at the end', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const config = join(dir, 'live.yaml');
  writeFileSync(config, `features:\n  sigma_sample_ms: 100\nlive:\n  reconcile_every_s: 1\n  request_timeout_ms: 2000\nquoting:\n  strategy: ${JSON.stringify(tutorial)}\n`);
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const bid = 100_000 + (k % 7) * 0.5;
    fake.account.setMarket(bid, bid + 0.5);
  }, 50);
  try {
    const env = { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET };
    const child = spawn(
      CLI,
      ['realtime', '--mode', 'live', '--confirm-live', '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--timeframe', '1s', '--poll-seconds', '0.2',
        '--iterations', '20', '--config', config, '--ledger', join(dir, 'live.sqlite'), '--out-dir', join(dir, 'live'), '--halt-file', join(dir, 'HALT')],
      { cwd: REPO_ROOT, env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(summary['summary'], true);
    assert.equal(summary['cancelVerified'], true);
    assert.ok((summary['placed'] as number) > 0, 'the module quoted');
    assert.equal(fake.account.openOrders().length, 0, 'nothing left resting');
  } finally {
    clearInterval(timer);
    await fake.close();
  }
});

test('a bad module through the CLI is one line naming the file, exit 2, before anything is written (every case: plugin-strategy.test.ts)', () => {
  const file = join(dir, 'garbage.ts');
  writeFileSync(file, 'import { defineStrategy } from "marketmakerl/sdk";\nexport default defineStrategy({ name: "g", create() { return { decide(v, o) { o.bidPrice = v.mid + 1; o.bidQty = 1; o.askPrice = v.mid - 1; o.askQty = 1; } }; } });\n');
  const out = join(dir, 'out-garbage');
  const r = cli(['backtest', '--strategy', file, '--bars', '300', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: --strategy ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: decide\\(\\) quoted bid .* at or above ask .*\n$`));
  assert.throws(() => readdirSync(out), 'nothing written');
  const typo = cli(['backtest', '--strategy', tutorial, '--param', 'bak=2', '--bars', '300']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /^error: --param bak: strategy 'quote-the-touch' has no parameter 'bak'; did you mean 'back'\?\n$/);
});

test('a module that throws while trading halts the session with its reason; the run still ends and says why', () => {
  const file = join(dir, 'late-throw.ts');
  writeFileSync(
    file,
    'import { defineStrategy } from "marketmakerl/sdk";\nexport default defineStrategy({ name: "late", create(ctx) { let n = 0; return { decide(v, o) { if (!v.warm) return; if (++n > 100) throw new Error("out of ideas"); o.bidPrice = v.mid - 0.05; o.bidQty = ctx.orderQty; o.askPrice = v.mid + 0.05; o.askQty = ctx.orderQty; } }; } });\n',
  );
  const out = join(dir, 'late');
  const r = cli(['backtest', '--strategy', file, '--bars', '2000', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(line['trading_state'], 'halted');
  assert.match(String(line['strategy_error']), /late-throw\.ts: out of ideas/);
  assert.match(r.stderr, /^halted: strategy --strategy .*late-throw\.ts: out of ideas\n$/);
  const m = json(join(out, 'metrics.json'));
  const t = (m['risk'].transitions as { condition: string; to: string }[]).find((x) => x.condition === 'strategy-error');
  assert.equal(t?.to, 'halted');
  assert.ok((m['risk'].seconds_in_state.halted as number) > 0);
});
