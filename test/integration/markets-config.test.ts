// markets: in the one config: strict, each market a single-market config of its own; a one-element markets: is the same run byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TradingConfigSchema, marketConfigs } from '../../src/engine/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

test('each market is the top-level sections with its own fields over them, and its share of the capital', () => {
  const cfg = TradingConfigSchema.parse({
    capital: 1000,
    quoting: { gamma: 0.2, order_qty: 0.001 },
    sim: { maker_fee_bps: 1 },
    risk: { max_drawdown: 50 },
    markets: [
      { symbol: 'BTC/USDT', quoting: { gamma: 0.5 }, sim: { feed_latency_ms: 5 }, events: 'a.arrow' },
      { name: 'perp', symbol: 'BTC/USDT', tick_size: 0.1, lot_size: 0.001, capital: 700, risk: { max_drawdown: 20 } },
    ],
  });
  const [a, b] = marketConfigs(cfg);
  assert.equal(a!.name, 'BTC-USDT');
  assert.deepEqual([a!.config.quoting.gamma, a!.config.quoting.order_qty, a!.config.sim.maker_fee_bps, a!.config.sim.feed_latency_ms, a!.config.capital, a!.config.data.events], [0.5, 0.001, 1, 5, 500, 'a.arrow']);
  assert.deepEqual([b!.name, b!.config.quoting.gamma, b!.config.market.tick_size, b!.config.capital, b!.config.risk.max_drawdown, b!.config.sim.feed_latency_ms], ['perp', 0.2, 0.1, 700, 20, undefined]);
  assert.equal('markets' in a!.config, false);
  // The command line's files go to the markets in order; a count that does not match is refused.
  assert.deepEqual(marketConfigs(cfg, ['x.arrow', 'y.arrow']).map((m) => m.config.data.events), ['x.arrow', 'y.arrow']);
  assert.throws(() => marketConfigs(cfg, ['x.arrow']), /^UserError: --events: 1 event file for 2 markets/);
  // Without markets: the config is its one market, unchanged.
  const one = TradingConfigSchema.parse({ capital: 5 });
  assert.deepEqual(marketConfigs(one)[0]!.config, one);
});

test('markets: bad input is one line naming the field, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-markets-'));
  const run = (yaml: string) => {
    const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, yaml);
    return cli(['backtest', '--config', p, '--events', ensureSharedCaptureArrow(), '--out', join(dir, 'never')]);
  };
  const typo = run('markets:\n  - symbol: BTC/USDT\n    quoting: { gama: 1 }\n');
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /markets\[0\]\.quoting.*gama/);
  const both = run('market: { symbol: ETH/USDT }\nmarkets:\n  - symbol: BTC/USDT\n');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /market: give either market: \(one market\) or markets:, not both/);
  const twice = run('markets:\n  - symbol: BTC/USDT\n  - symbol: BTC/USDT\n');
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /markets\[1\]\.name.*two markets are named 'BTC-USDT'/);
  const kind = run('markets:\n  - { symbol: BTC/USDT, instrument: future }\n');
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /markets\[0\]\.instrument/);
  for (const r of [typo, both, twice, kind]) {
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f === 'never'), [], 'nothing written');
});

test('a one-element markets: is the single-market run, byte for byte (every file of the run folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-markets-'));
  const events = ensureSharedCaptureArrow();
  const single = join(dir, 'single.yaml');
  writeFileSync(single, ['capital: 10000', 'market: { exchange: binance, symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001 }', 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', 'sim: { queue: power:2, maker_fee_bps: -0.5, feed_latency_ms: 5 }', 'risk: { max_drawdown: 5, warn_fraction: 1 }', ''].join('\n'));
  const multi = join(dir, 'multi.yaml');
  writeFileSync(multi, ['capital: 10000', 'quoting: { gamma: 0.0001 }', 'sim: { queue: power:2 }', 'markets:', '  - exchange: binance', '    symbol: BTC/USDT', '    instrument: spot', '    tick_size: 0.01', '    lot_size: 0.00001', '    quoting: { horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', '    sim: { maker_fee_bps: -0.5, feed_latency_ms: 5 }', '    risk: { max_drawdown: 5, warn_fraction: 1 }', ''].join('\n'));
  const a = cli(['backtest', '--config', single, '--events', events, '--out', join(dir, 'a'), '--run-id', 'same']);
  assert.equal(a.status, 0, a.stderr);
  const b = cli(['backtest', '--config', multi, '--events', events, '--out', join(dir, 'b'), '--run-id', 'same']);
  assert.equal(b.status, 0, b.stderr);
  const files = readdirSync(join(dir, 'a')).sort();
  assert.deepEqual(readdirSync(join(dir, 'b')).sort(), files);
  assert.ok(files.includes('fills.csv') && files.includes('metrics.json') && files.includes('config.json'), files.join(','));
  assert.ok(readFileSync(join(dir, 'a', 'fills.csv'), 'utf8').split('\n').length > 10, 'the run fills');
  for (const f of files) {
    const x = readFileSync(join(dir, 'a', f));
    const y = readFileSync(join(dir, 'b', f));
    if (f === 'metrics.json') {
      // The engine's own timing is the one figure a rerun may change.
      const strip = (s: Buffer) => s.toString('utf8').replace(/"engine_seconds":\s*[0-9.e+-]+/g, '');
      assert.equal(strip(y), strip(x), f);
    } else assert.ok(x.equals(y), `${f} differs`);
  }
});

test('config/examples/two-markets.yaml is a valid config of two markets', () => {
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'config', 'examples', 'two-markets.yaml'), 'utf8')) as unknown;
  const ms = marketConfigs(TradingConfigSchema.parse(doc));
  assert.deepEqual(ms.map((m) => [m.name, m.config.capital, m.config.market.tick_size]), [['spot', 10_000, 0.01], ['usdm', 10_000, 0.1]]);
});
