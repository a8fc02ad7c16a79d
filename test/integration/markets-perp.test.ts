// markets: with perpetuals: each market's instrument, contract size and funding reach its own single-market config, checked as there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingConfigSchema, marketConfigs } from '../../src/engine/index.js';

test('a spot market and a USD-M perpetual with funding: each market config carries its instrument terms', () => {
  const cfg = TradingConfigSchema.parse({
    markets: [
      { name: 'spot', symbol: 'BTC/USDT' },
      { name: 'perp', symbol: 'BTC/USDT:USDT', instrument: 'linear_perp', tick_size: 0.1, lot_size: 0.001, funding: { rate: 0.0001 } },
      { name: 'coinm', symbol: 'BTC/USD:BTC', instrument: 'inverse_perp', contract_size: 100, tick_size: 0.1, lot_size: 1 },
    ],
  });
  const [s, p, c] = marketConfigs(cfg);
  assert.deepEqual([s!.instrument, s!.config.market.instrument, s!.config.market.contract_size, s!.config.market.funding], ['spot', 'spot', 1, undefined]);
  assert.deepEqual([p!.instrument, p!.config.market.instrument, p!.config.market.funding], ['linear_perp', 'linear_perp', { rate: 0.0001, interval_hours: 8 }]);
  assert.deepEqual([c!.instrument, c!.config.market.contract_size], ['inverse_perp', 100]);
});

test('funding on a spot market of markets: is refused with the market named', () => {
  // A market of markets: is checked as market: is, when the file is parsed.
  assert.throws(() => TradingConfigSchema.parse({ markets: [{ symbol: 'BTC/USDT', funding: { rate: 0.0001 } }] }), (e: unknown) => /spot pays no funding/.test(String(e)) && /"markets",\s*0,\s*"funding"/.test(String(e)));
  assert.throws(() => TradingConfigSchema.parse({ markets: [{ symbol: 'X/Y', instrument: 'future' }] }), /expected one of spot, linear_perp, inverse_perp/);
});
