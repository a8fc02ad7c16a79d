// The ccxt boundary without a network: error classes, backoff bounds, URL rewriting, close names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkFault, UserError } from '../../core/index.js';
import { classifyCcxtError } from './errors.js';
import { backoffDelayMs, DEFAULT_RETRY, withRetry } from './retry.js';
import { rewriteUrls } from './urls.js';
import { closeNames } from '../../core/index.js';
import { createExchange, loadCcxt } from './exchange.js';
import { parseKlines, parseOrderBook, parseTrades } from './parse.js';

test("ccxt's own error classes are classified: network and rate limits transient, rejections not retried, auth fatal", async () => {
  const ccxt = await loadCcxt();
  const c = (e: Error) => classifyCcxtError(e);
  assert.equal(c(new ccxt.NetworkError('x')).fault, 'transient');
  assert.equal(c(new ccxt.RequestTimeout('x')).fault, 'transient');
  assert.equal(c(new ccxt.ExchangeNotAvailable('x')).fault, 'transient');
  const rl = c(new ccxt.RateLimitExceeded('slow down'));
  assert.deepEqual([rl.fault, rl.rateLimited, rl.kind], ['transient', true, 'RateLimitExceeded']);
  assert.equal(c(new ccxt.DDoSProtection('x')).rateLimited, true);
  assert.equal(c(new ccxt.BadSymbol('x')).fault, 'rejected');
  assert.equal(c(new ccxt.InvalidOrder('x')).fault, 'rejected');
  assert.equal(c(new ccxt.InsufficientFunds('x')).fault, 'rejected');
  assert.equal(c(new ccxt.ExchangeError('x')).fault, 'rejected');
  assert.equal(c(new ccxt.OperationFailed('unknown error')).fault, 'transient');
  assert.equal(c(new ccxt.BadResponse('x')).fault, 'rejected');
  assert.equal(c(new ccxt.AuthenticationError('x')).fault, 'fatal');
  assert.equal(c(new ccxt.PermissionDenied('x')).fault, 'fatal');
  assert.equal(c(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).fault, 'transient');
  assert.equal(c(new TypeError('bug')).fault, 'fatal');
});

test('backoff grows exponentially, is capped, jittered, never zero', () => {
  const lo = (r: number) => backoffDelayMs(r, DEFAULT_RETRY, false, () => 0);
  const hi = (r: number) => backoffDelayMs(r, DEFAULT_RETRY, false, () => 1);
  assert.deepEqual([1, 2, 3].map(hi), [250, 500, 1000]);
  assert.deepEqual([1, 2, 3].map(lo), [125, 250, 500]);
  assert.equal(hi(30), DEFAULT_RETRY.maxDelayMs);
  assert.equal(backoffDelayMs(1, DEFAULT_RETRY, true, () => 1), DEFAULT_RETRY.rateLimitDelayMs);
});

test('withRetry retries transient faults only, then ends with one NetworkFault line', async () => {
  const ccxt = await loadCcxt();
  const sleeps: number[] = [];
  const hooks = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };
  let calls = 0;
  const value = await withRetry('x', async () => {
    calls++;
    if (calls < 3) throw new ccxt.NetworkError('down');
    return 42;
  }, DEFAULT_RETRY, hooks);
  assert.deepEqual([value, calls, sleeps.length], [42, 3, 2]);
  calls = 0;
  await assert.rejects(withRetry('fetching klines', async () => {
    calls++;
    throw new ccxt.RequestTimeout('timed out');
  }, { ...DEFAULT_RETRY, maxAttempts: 3 }, hooks), (e: unknown) => e instanceof NetworkFault && e.message === 'fetching klines: RequestTimeout after 3 attempt(s): timed out');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(withRetry('x', async () => {
    calls++;
    throw new ccxt.BadSymbol('no such market');
  }, DEFAULT_RETRY, hooks), ccxt.BadSymbol);
  assert.equal(calls, 1, 'a rejection is not retried');
});

test('every endpoint moves to the override base, paths kept, ws scheme follows http/https', () => {
  const api = { public: 'https://api.binance.com/api/v3', ws: { spot: 'wss://stream.binance.com:9443/ws', 'ws-api': { spot: 'wss://ws-api.binance.com:443/ws-api/v3' } }, list: ['https://x.com/a'] };
  assert.deepEqual(rewriteUrls(api, 'http://127.0.0.1:8080'), {
    public: 'http://127.0.0.1:8080/api/v3',
    ws: { spot: 'ws://127.0.0.1:8080/ws', 'ws-api': { spot: 'ws://127.0.0.1:8080/ws-api/v3' } },
    list: ['http://127.0.0.1:8080/a'],
  });
  assert.equal(rewriteUrls('wss://stream.binance.com:9443/ws', 'https://proxy.example/binance/'), 'wss://proxy.example/binance/ws');
});

test('close names', () => {
  assert.deepEqual(closeNames('binanse', ['binance', 'binanceus', 'bitmex', 'kraken']).slice(0, 1), ['binance']);
  assert.deepEqual(closeNames('BTCUSD', ['BTC/USDT', 'BTC/USDC', 'ETH/BTC']).length > 0, true);
  assert.deepEqual(closeNames('zzzzzzzz', ['binance']), []);
});

test('ccxt results are parsed at the edge: numbers checked, taker side is the aggressor, exchange ms become µs', () => {
  assert.deepEqual(parseKlines([[1723161300000, 61828, 61860.8, 61583.22, 61685.99, 199.42863]]), [
    { openMs: 1723161300000, open: 61828, high: 61860.8, low: 61583.22, close: 61685.99, volume: 199.42863 },
  ]);
  assert.throws(() => parseKlines([[1723161300000, 61828, null, 1, 1, 1]]), /unexpected kline row/);
  assert.throws(() => parseKlines({}), /unexpected klines/);
  const ob = parseOrderBook({ bids: [[100, 1.5]], asks: [[100.01, 2]], nonce: 42, timestamp: 1723161255208 });
  assert.deepEqual(ob, { bids: [{ price: 100, size: 1.5 }], asks: [{ price: 100.01, size: 2 }], nonce: 42, tsExchange: 1723161255208000 });
  assert.equal(parseOrderBook({ bids: [], asks: [], nonce: undefined, timestamp: undefined }).nonce, null);
  const [sell, buy] = parseTrades([
    { id: '3735683259', timestamp: 1723161255342, price: 61837.63, amount: 0.02, side: 'sell' },
    { id: 'abc-1', timestamp: 1723161255343, price: 61837.64, amount: 0.01, side: 'buy' },
  ]);
  assert.deepEqual([sell!.id, sell!.aggressor, sell!.tsExchange], [3735683259, -1, 1723161255342000]);
  assert.ok(Number.isNaN(buy!.id));
  assert.deepEqual([buy!.idText, buy!.aggressor], ['abc-1', 1]);
  assert.throws(() => parseTrades([{ id: '1', timestamp: 1, price: 1, amount: 1, side: undefined }]), /unexpected trade side/);
});

test('--sandbox switches to the exchange testnet; an exchange without one is a UserError', async () => {
  const ex = await createExchange({ exchange: 'binance', sandbox: true });
  assert.match(String((ex.urls['api'] as Record<string, unknown>)['public']), /testnet\.binance\.vision/);
  await assert.rejects(createExchange({ exchange: 'upbit', sandbox: true }), (e: unknown) => e instanceof UserError && e.message === '--sandbox: upbit has no testnet in ccxt');
});

test('ccxt is imported and called only under src/venues: feeds, the recorder, history and snapshots go through marketData', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join, relative } = await import('node:path');
  const src = join(import.meta.dirname, '..', '..');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(src);
  const importsCcxt = /from ['"]ccxt['"]|import\(['"]ccxt['"]\)|require\(['"]ccxt['"]\)/;
  // ccxt's own members: market data, trading, markets and capabilities.
  const ccxtMember =
    /\.(watch(OrderBook|Trades|Ticker|MyTrades|Orders|OHLCV|Balance)|fetch(OHLCV|OrderBook|Trades|Ticker|Tickers|Balance|MyTrades|OpenOrders|Order|Time|Markets|Currencies)|create(Limit|Market|PostOnly)?(Buy|Sell)?Order|cancel(All)?Orders?|loadMarkets|setSandboxMode|precisionMode|markets_by_id|timeframes)\b|\.has\[|\b(?:ex|exchange|client)\.markets\b/; // the exchange's markets table, not a config's `markets:` or a spread
  const outside = files.filter((f) => !relative(src, f).startsWith('venues'));
  assert.ok(outside.length > 100, `scanned ${outside.length} files`);
  const offenders = outside.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .map((line, i) => ({ line, at: `${relative(src, f)}:${i + 1}` }))
      .filter(({ line }) => importsCcxt.test(line) || ccxtMember.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`),
  );
  assert.deepEqual(offenders, []);
  // The rule has teeth: the calls that moved behind marketData would be caught.
  assert.ok(!ccxtMember.test('[...markets, ...captures]') && !ccxtMember.test('if (cfg.markets !== undefined)') && ccxtMember.test('ex.markets[s]') && ccxtMember.test('this.exchange.markets') && ccxtMember.test('await this.ex.watchOrderBook(symbol)') && ccxtMember.test("ex.has['watchTrades']") && ccxtMember.test('ex.fetchOHLCV(s, tf)'));
});
