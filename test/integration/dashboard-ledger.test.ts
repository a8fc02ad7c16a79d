// The dashboard server on a ledger and on run folders, over plain HTTP: state, health, the chart library, the kill switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Portfolio } from '../../src/portfolio/index.js';
import { Ledger, LedgerReader } from '../../src/ledger/index.js';
import { DashboardState, ledgerRefresher, startDashboardServer, type DashboardMessage } from '../../src/report/dashboard/index.js';
import { haltCommand } from '../../src/cli/commands/halt.js';

test('dashboard on a ledger being written: /api/state follows the writer; /healthz, the chart library, run folders, POST /halt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dash-ledger-'));
  try {
    const path = join(dir, 'ledger.sqlite');
    const w = new Ledger(path);
    w.startRun({ runId: 'r1', mode: 'paper', exchange: 'binance', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date(0));
    const pf = new Portfolio(1000);
    const T = 1_723_161_300_000_000;
    w.placed(T, 1, 1, 100, 1);
    w.orderEvent(T, 1, 'accepted');
    w.quote({ ts: T, mid: 100.5, bid: 100, ask: 101, position: 0, equity: 1000, tradingState: 'active' });
    const runs = join(dir, 'runs');
    mkdirSync(join(runs, 'run_a'), { recursive: true });
    writeFileSync(join(runs, 'run_a', 'trace.csv'), 'ts,bid,ask,inventory,cash,equity,mid,reservation\n1723161300000,99,101,0,1000,1000,100,100\n1723161360000,99.5,101.5,1,900,1000.5,100.5,100.4\n');
    writeFileSync(join(runs, 'run_a', 'fills.csv'), 'ts,side,price,qty,fee,liquidity,order_id,sample\n1723161330000,buy,99,1,0,maker,1,0\n');

    const reader = new LedgerReader(path);
    const state = new DashboardState('ledger', 'test');
    const halt = join(dir, 'HALT');
    const server = await startDashboardServer({ port: 0, title: 'test', state, haltPath: halt, runsDir: runs, refresh: ledgerRefresher(reader, state), pushMs: 50 });
    try {
      const auth = { authorization: `Bearer ${server.token}` };
      const get = async (p: string): Promise<Response> => fetch(new URL(p, server.url), { headers: auth });
      let s = (await (await get('/api/state')).json()) as DashboardMessage;
      assert.equal(s.points.length, 1);
      assert.equal(s.stats.trading_state, 'active');
      assert.equal(s.stats.open_orders, 1);
      // The writer moves on; the next read shows it.
      pf.apply(1, 100, 1, 0.01);
      w.fill(T + 1_000_000, 1, 1, 100, 1, 0.01, 'maker', pf);
      w.quote({ ts: T + 2_000_000, mid: 100.7, bid: Number.NaN, ask: 101.2, position: 1, equity: pf.equity(100.7), tradingState: 'reducing' });
      w.risk({ ts: T + 2_000_000, condition: 'inventory', raised: true, from: 'active', to: 'reducing', reason: '|position| 1 at or above 1' });
      s = (await (await get('/api/state')).json()) as DashboardMessage;
      assert.equal(s.points.length, 2);
      assert.equal(s.points[1]?.bid, null);
      assert.equal(s.fills.length, 1);
      assert.equal(s.stats.trading_state, 'reducing');
      assert.equal(s.stats.inventory, 1);
      assert.match(s.risk.at(-1)?.reason ?? '', /position/);

      const h = (await (await get('/healthz')).json()) as { ok: boolean; trading_state: string };
      assert.deepEqual([h.ok, h.trading_state], [true, 'reducing']);
      const lib = await get('/lightweight-charts.js');
      assert.equal(lib.status, 200);
      assert.match(await lib.text(), /LightweightCharts/);
      const page = await (await get('/')).text();
      assert.match(page, /<script src="\/lightweight-charts.js"><\/script>/);
      assert.doesNotMatch(page, /https?:\/\/(?!127\.0\.0\.1)/, 'no CDN or outside address in the page');
      assert.deepEqual(await (await get('/api/runs')).json(), ['run_a']);
      const run = (await (await get('/api/run?name=run_a')).json()) as DashboardMessage;
      assert.deepEqual([run.points.length, run.fills.length, run.stats.trading_state], [2, 1, 'finished']);
      // Without metrics.json the PnL comes from the trace; with it, the run's own figures.
      assert.equal(run.stats.total_pnl, 0.5);
      writeFileSync(join(runs, 'run_a', 'metrics.json'), JSON.stringify({ total_pnl: 0.75, realized_pnl: 0.25, inventory_pnl: 0.5 }));
      const withMetrics = (await (await get('/api/run?name=run_a')).json()) as DashboardMessage;
      assert.deepEqual([withMetrics.stats.total_pnl, withMetrics.stats.realized_pnl, withMetrics.stats.unrealized_pnl], [0.75, 0.25, 0.5]);
      assert.equal((await get('/api/run?name=../x')).status, 404);

      assert.equal((await fetch(new URL('/halt', server.url), { method: 'POST' })).status, 401, 'no token, no halt');
      assert.equal(existsSync(halt), false);
      const r = await fetch(new URL('/halt', server.url), { method: 'POST', headers: auth, body: 'end of test' });
      assert.equal(r.status, 200);
      assert.equal(readFileSync(halt, 'utf8').split('\n')[0], 'dashboard: end of test', 'the reason on the first line (the mark on the second)');
      const h503 = await get('/healthz');
      assert.equal(h503.status, 200, 'the halt file is not yet the loop\'s state');
    } finally {
      await server.close();
      reader.close();
      w.close();
    }

    // The halt command: the file, then --clear.
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string): boolean => out.push(s) > 0) as unknown as typeof process.stdout.write;
    try {
      rmSync(halt);
      await haltCommand({ haltFile: halt, reason: 'end of day' });
      assert.equal(readFileSync(halt, 'utf8').split('\n')[0], 'end of day');
      await haltCommand({ haltFile: halt, clear: true });
      assert.equal(existsSync(halt), false);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(out.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
