// Fault injection on the fake Binance, spot and the USD-M perpetual: disconnect, sequence gap, 5xx burst, 429, frozen feed — each ends in the right recovery or state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { paperRig, type PaperRig } from './paper-harness.js';

function riskRows(rig: PaperRig): { kind: string; condition: string | null; to_state: string | null; reason: string }[] {
  return rig.ledger.db.prepare<[], { kind: string; condition: string | null; to_state: string | null; reason: string }>('SELECT kind, condition, to_state, reason FROM risk_events ORDER BY id').all();
}

/**
 * Run `f` once `cond` holds, polled: a fault lands when the loop is in the state the test means (connected and
 * quoting, or halted), however slow the machine is to connect — not at a fixed time that load can make too early.
 */
function when(cond: () => boolean, f: () => void): void {
  const t = setInterval(() => {
    if (!cond()) return;
    clearInterval(t);
    f();
  }, 10);
  t.unref();
}
/** The loop has iterated with a live book. */
const live = (rig: PaperRig) => (): boolean => rig.rows.some((r) => r.connected && r.best_bid !== null);
/** The latest line is connected, has a book and trades (the recovery a scenario waits for). */
const backToActive = (rig: PaperRig): boolean => {
  const r = rig.rows.at(-1);
  return r !== undefined && r.connected && r.best_bid !== null && r.trading_state === 'active';
};
/** Iterations at most: the scenarios end when recovered, in a few seconds on a quiet machine. */
const BOUND = 160;

for (const market of ['spot', 'usdm'] as const) {
  test(`websocket drop (${market === 'spot' ? 'spot BTC/USDT' : 'USD-M perpetual BTC/USDT:USDT'}): halted while disconnected, reconnect with backoff, book resynced, trading again`, async () => {
    const rig = await paperRig({ usdm: market === 'usdm' });
    try {
      let fired = false;
      when(live(rig), () => {
        fired = true;
        rig.fake.disconnectWebsockets();
      });
      const s = await rig.run(BOUND, 250, () => fired && riskRows(rig).some((r) => r.condition === 'disconnected' && r.kind === 'cleared') && backToActive(rig));
      const risk = riskRows(rig);
      assert.ok(risk.some((r) => r.condition === 'disconnected' && r.kind === 'raised' && r.to_state === 'halted'), JSON.stringify(risk));
      assert.ok(risk.some((r) => r.condition === 'disconnected' && r.kind === 'cleared'));
      assert.ok(risk.some((r) => r.kind === 'reconnect'));
      assert.ok(s.reconnects >= 1 && s.resyncs >= 1, JSON.stringify(s));
      assert.equal(rig.rows.at(-1)?.trading_state, 'active');
      assert.equal(rig.rows.at(-1)?.connected, true);
      assert.ok(rig.rows.every((r) => r.best_bid === null || r.best_ask === null || r.best_bid < r.best_ask), 'the book never crossed');
      assert.deepEqual(checkLedgerInvariants(rig.ledger.db), []);
    } finally {
      await rig.close();
    }
  });
}

for (const market of ['spot', 'usdm'] as const) {
  // Spot diffs chain by update ids (U = last u + 1); the perpetual's by pu = the previous message's u.
  test(`sequence gap (${market === 'spot' ? 'spot BTC/USDT' : 'USD-M perpetual BTC/USDT:USDT'}): detected, resynced from a snapshot, the book stays uncrossed`, async () => {
    const rig = await paperRig({ usdm: market === 'usdm' });
    try {
      let fired = false;
      when(live(rig), () => {
        fired = true;
        rig.fake.dropDepth(1, market);
      });
      const s = await rig.run(BOUND, 250, () => fired && riskRows(rig).some((r) => r.kind === 'gap') && backToActive(rig));
      assert.ok(s.gaps >= 1 && s.resyncs >= 1, JSON.stringify(s));
      assert.ok(riskRows(rig).some((r) => r.kind === 'gap'));
      for (const r of rig.rows) if (r.best_bid !== null && r.best_ask !== null) assert.ok(r.best_bid < r.best_ask, `crossed book in ${JSON.stringify(r)}`);
      assert.equal(rig.rows.at(-1)?.trading_state, 'active');
    } finally {
      await rig.close();
    }
  });
}

for (const market of ['spot', 'usdm'] as const) {
  test(`REST 5xx burst (polling feed, ${market === 'spot' ? 'spot /api/v3' : 'USD-M /fapi/v1'}): retried with backoff, the loop goes on`, async () => {
    const rig = await paperRig({ mode: 'rest', usdm: market === 'usdm' });
    try {
      let fired = false;
      when(live(rig), () => {
        fired = true;
        rig.fake.failRest({ path: market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth', times: 3, status: 503 });
      });
      const s = await rig.run(BOUND, 250, () => fired && rig.feed.stats.retries >= 3 && backToActive(rig));
      assert.ok(rig.rows.length < BOUND, 'the loop recovered and went on');
      assert.ok(rig.feed.stats.retries >= 3, JSON.stringify(rig.feed.stats));
      assert.ok(s.reconnects >= 1);
      assert.equal(rig.rows.at(-1)?.trading_state, 'active');
      assert.equal(rig.rows[0]?.feed, 'rest');
    } finally {
      await rig.close();
    }
  });
}

for (const market of ['spot', 'usdm'] as const) {
  test(`429 (polling feed, ${market === 'spot' ? 'spot /api/v3' : 'USD-M /fapi/v1'}): backs off at least the rate-limit pause, then resumes`, async () => {
    const rig = await paperRig({ mode: 'rest', usdm: market === 'usdm' });
    try {
      let fired = false;
      when(live(rig), () => {
        fired = true;
        rig.fake.failRest({ path: market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth', times: 2, status: 429, retryAfterSeconds: 1 });
      });
      const s = await rig.run(BOUND, 250, () => fired && rig.feed.stats.rateLimited >= 1 && riskRows(rig).some((r) => r.kind === 'rate-limited') && backToActive(rig));
      assert.ok(rig.feed.stats.rateLimited >= 1, JSON.stringify(rig.feed.stats));
      assert.ok(riskRows(rig).some((r) => r.kind === 'rate-limited' && /retry \d+ in (\d+)/.test(r.reason) && Number(/in (\d+)/.exec(r.reason)![1]) >= 300));
      assert.ok(s.reconnects >= 1);
      assert.equal(rig.rows.at(-1)?.trading_state, 'active');
    } finally {
      await rig.close();
    }
  });
}

for (const market of ['spot', 'usdm'] as const) {
  test(`frozen feed (${market === 'spot' ? 'spot BTC/USDT' : 'USD-M perpetual BTC/USDT:USDT'}): stale data halts quoting (orders canceled) until fresh data returns`, async () => {
    const rig = await paperRig({ usdm: market === 'usdm' });
    try {
      let pausedAt = -1;
      when(live(rig), () => {
        pausedAt = rig.rows.length;
        rig.fake.pause();
      });
      let resumed = false;
      // Fresh data again once a line after the pause shows the halt with nothing resting.
      when(
        () => pausedAt >= 0 && rig.rows.slice(pausedAt).some((r) => r.trading_state === 'halted' && r.open_orders === 0 && r.bid === null && r.ask === null),
        () => {
          resumed = true;
          rig.fake.resume();
        },
      );
      await rig.run(BOUND, 250, () => resumed && riskRows(rig).some((r) => r.condition === 'stale-data' && r.kind === 'cleared') && backToActive(rig) && rig.rows.some((r) => r.clock_skew_ms !== null));
      const risk = riskRows(rig);
      assert.ok(risk.some((r) => r.condition === 'stale-data' && r.kind === 'raised' && r.to_state === 'halted' && /no market data for \d+ ms/.test(r.reason)), JSON.stringify(risk));
      assert.ok(risk.some((r) => r.condition === 'stale-data' && r.kind === 'cleared'));
      assert.ok(
        rig.rows.some((r) => r.risk_events.some((e) => e.kind === 'stale-data raised' && /no market data for \d+ ms/.test(e.reason) && e.state === 'halted')),
        'the state change and its reason are in the iteration lines too',
      );
      const halted = rig.rows.filter((r) => r.trading_state === 'halted');
      assert.ok(halted.length >= 1, 'an iteration line shows the halt');
      assert.ok(halted.some((r) => r.open_orders === 0 && r.bid === null && r.ask === null), 'nothing rests while halted');
      assert.equal(rig.rows.at(-1)?.trading_state, 'active');
      assert.ok(rig.rows.some((r) => r.clock_skew_ms !== null), 'clock skew is measured');
    } finally {
      await rig.close();
    }
  });
}
