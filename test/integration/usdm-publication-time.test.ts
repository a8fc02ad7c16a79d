// The trading side of a tick backtest learns of a row no earlier than Binance published it (its event time E) plus
// the feed latency, though the venue applies it at its transaction time T: checked on the USD-M capture against
// the raw capture lines themselves, not through the converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseTradingConfig, runTickJob } from '../../src/engine/index.js';
import { clearTarget, type Strategy } from '../../src/strategy/index.js';
import { ensureSharedUsdmArrow, sharedUsdmFiles, USDM_MARKET } from '../fixtures/usdm-capture.js';

/** The default feed latency of a file whose local clock runs behind the exchange (the shared captures'), µs. */
const FEED_US = 5_000;

interface Line {
  /** Binance's event time E, µs: when the message was published. */
  E: number;
  /** Transaction time T, µs (E where the message has none). */
  T: number;
  /** bookTicker: its best bid and ask; NaN for other messages. */
  bid: number;
  ask: number;
}

/**
 * The capture's stream messages in file order, read straight from the gzip text (`<local_ns> <json>`). The REST
 * snapshot line is left out: it carries no publication time, and the replay starts from it.
 */
function captureLines(): Line[] {
  const out: Line[] = [];
  for (const file of sharedUsdmFiles()) {
    for (const text of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
      const sp = text.indexOf(' ');
      if (sp < 0) continue;
      const m = JSON.parse(text.slice(sp + 1)) as { data?: { E?: number; T?: number; b?: unknown; a?: unknown; e?: string } };
      const d = m.data;
      if (d === undefined || typeof d.E !== 'number') continue;
      const ticker = d.e === 'bookTicker';
      out.push({ E: d.E * 1000, T: (d.T ?? d.E) * 1000, bid: ticker ? Number(d.b) : Number.NaN, ask: ticker ? Number(d.a) : Number.NaN });
    }
  }
  return out;
}

test('USD-M at the default feed latency: each decision sees the touch Binance had published by then − f, never one it published later', (t) => {
  const lines = captureLines();
  const decisions: { now: number; bid: number; ask: number }[] = [];
  const recorder: Strategy = {
    name: 'touch-recorder',
    decide(v, out) {
      decisions.push({ now: v.now, bid: v.bestBid, ask: v.bestAsk });
      clearTarget(out);
    },
  };
  // No sim.feed_latency_ms: the capture's local clock runs behind the exchange, so the default applies.
  const cfg = parseTradingConfig({ data: { events: ensureSharedUsdmArrow() }, market: USDM_MARKET, capital: 100_000, quoting: { order_qty: 0.001 }, loop: { decision_interval_ms: 100 } });
  const job = runTickJob(cfg, undefined, { strategy: recorder });
  assert.equal(job.resolved['feed_latency_ms'], FEED_US / 1000, 'the default feed latency');
  assert.ok(decisions.length > 3000, `${decisions.length} decisions`);

  // For each decision at d: the bookTicker last published by d − f (every line before the first one whose E + f is
  // later than d: a feed delivers in order), and the one a replay at T + f would have shown.
  let kE = 0;
  let kT = 0;
  let lastE = -1;
  let lastT = -1;
  let checked = 0;
  let agree = 0;
  const early: string[] = [];
  const off: string[] = [];
  for (const { now, bid, ask } of decisions) {
    while (kE < lines.length && lines[kE]!.E + FEED_US <= now) {
      if (lines[kE]!.bid === lines[kE]!.bid) lastE = kE;
      kE++;
    }
    while (kT < lines.length && lines[kT]!.T + FEED_US <= now) {
      if (lines[kT]!.bid === lines[kT]!.bid) lastT = kT;
      kT++;
    }
    if (lastE < 0 || !(bid === bid && ask === ask)) continue;
    checked++;
    const pub = lines[lastE]!;
    if (pub.bid === bid && pub.ask === ask) agree++;
    else if (off.length < 5) off.push(`${new Date(now / 1000).toISOString()} ${bid}/${ask}, published ${pub.bid}/${pub.ask}`);
    // Look-ahead: the decision shows the touch of a bookTicker not published by d − f, which the published one
    // differs from, and no bookTicker published by then (since the published one's predecessor) had.
    if (lastT > lastE && (pub.bid !== bid || pub.ask !== ask)) {
      let seen = false;
      for (let j = lastE; j >= 0 && j >= lastE - 200 && !seen; j--) if (lines[j]!.bid === bid && lines[j]!.ask === ask) seen = true;
      let future = false;
      for (let j = lastE + 1; j <= lastT && !future; j++) if (lines[j]!.bid === bid && lines[j]!.ask === ask) future = true;
      if (!seen && future) early.push(`${new Date(now / 1000).toISOString()} ${bid}/${ask}, published ${pub.bid}/${pub.ask}`);
    }
  }
  t.diagnostic(`${decisions.length} decisions, ${checked} checked, ${agree} at the last published bookTicker's touch, ${early.length} early`);
  assert.ok(checked > 3000, `${checked} decisions checked`);
  assert.deepEqual(early.slice(0, 5), [], `${early.length} decisions saw a touch published after their time − f`);
  // On this capture the view is exactly the touch of the last bookTicker published by d − f, at every decision.
  assert.deepEqual(off, [], `${checked - agree} of ${checked} decisions not at the last published bookTicker's touch`);
});
